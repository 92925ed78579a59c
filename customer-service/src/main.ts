import { runService } from '@shop/platform/runtime';
import { customerService } from './service.js';

runService(customerService);
