import { runService } from '@shop/platform/runtime';
import { inventoryService } from './service.js';

runService(inventoryService);
