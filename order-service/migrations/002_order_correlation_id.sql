-- The correlation ID of the request that created the order. The recovery worker resolves a PENDING order
-- under it, so the calls, log lines and events (OrderConfirmed / OrderCancelled) of a recovered order carry
-- the original request's ID. NULL for orders created before this column existed.
ALTER TABLE orders ADD COLUMN correlation_id TEXT;
