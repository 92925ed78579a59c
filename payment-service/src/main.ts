import { runService } from '@shop/platform';
import { paymentService } from './service.js';

runService(paymentService);
