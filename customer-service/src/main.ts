import { runService } from '@shop/platform';
import { customerService } from './service.js';

runService(customerService);
