export { metricValue } from '../../../src/metrics-reader.js';
