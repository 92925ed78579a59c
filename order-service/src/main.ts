import { runService } from '@shop/platform';
import { orderService } from './service.js';

runService(orderService);
