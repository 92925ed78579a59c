// The request schemas of the public API live in the shared contract, which the gateway's OpenAPI document
// is built from: what is validated here is what is documented.
export {
  customerIdParam,
  customerListQuery as listQuery,
  loginBody,
  profileChangesBody,
  refreshTokenBody,
  registerBody,
  roleChangeBody,
} from '@shop/platform/api-contract';
