import { enableContractChecks } from './contract.js';

// A vitest setup file: every answer `request()` gets from a public route is checked against the OpenAPI document.
enableContractChecks();
