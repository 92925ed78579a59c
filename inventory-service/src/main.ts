import { runService } from '@shop/platform';
import { inventoryService } from './service.js';

runService(inventoryService);
