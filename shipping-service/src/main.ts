import { runService } from '@shop/platform/runtime';
import { shippingService } from './service.js';

runService(shippingService);
