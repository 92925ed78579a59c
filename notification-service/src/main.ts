import { runService } from '@shop/platform/runtime';
import { notificationService } from './service.js';

runService(notificationService);
