-- The order's shipment as shipping-service announced it (ShipmentScheduled, ShipmentStatusChanged); NULL until
-- the first shipment event arrives. The order's status is not derived from these columns.
ALTER TABLE orders ADD COLUMN shipment_id TEXT;
ALTER TABLE orders ADD COLUMN tracking_number TEXT;
