import { runService } from '@shop/platform';
import { notificationService } from './service.js';

runService(notificationService);
