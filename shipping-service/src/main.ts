import { runService } from '@shop/platform';
import { shippingService } from './service.js';

runService(shippingService);
