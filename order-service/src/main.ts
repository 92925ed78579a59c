import { runService } from '@shop/platform/runtime';
import { orderService } from './service.js';

runService(orderService);
