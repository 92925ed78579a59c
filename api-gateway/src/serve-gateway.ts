import { runService } from '@shop/platform/runtime';
import { gatewayService } from './service.js';

// The gateway process (or, with GATEWAY_WORKERS > 1, each worker of it).
runService(gatewayService);
