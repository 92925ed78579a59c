import { runService } from '@shop/platform/runtime';
import { paymentService } from './service.js';

runService(paymentService);
