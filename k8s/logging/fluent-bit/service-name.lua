-- Lines that do not name their service (RabbitMQ, Redis, a crash before the logger started) get the
-- container's name, so Kibana's service.name column is never empty. Returns 2: record changed, time kept.
function add_service_name(tag, timestamp, record)
  if record["service.name"] == nil and record["kubernetes"] ~= nil and record["kubernetes"]["container_name"] ~= nil then
    record["service.name"] = record["kubernetes"]["container_name"]
    return 2, timestamp, record
  end
  return 0, timestamp, record
end
