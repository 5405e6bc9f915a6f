-- Argo CD health check for ComposeStack and ComposeNetwork (composestack.dev/v1alpha1), from their kstatus conditions.
-- Argo CD gives unknown custom resources no health at all, so install this (see README.md here).
local hs = { status = "Progressing", message = "Waiting for the controller to report status" }
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
if obj.status.observedGeneration == nil or obj.status.observedGeneration ~= obj.metadata.generation then
  hs.message = "Waiting for the controller to observe generation " .. tostring(obj.metadata.generation)
  return hs
end
local ready, stalled
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" then ready = c end
  if c.type == "Stalled" and c.status == "True" then stalled = c end
end
if stalled ~= nil then
  return { status = "Degraded", message = stalled.reason .. ": " .. (stalled.message or "") }
end
if ready == nil then
  return hs
end
if ready.reason == "Suspended" then
  return { status = "Suspended", message = ready.message or "" }
end
if ready.status == "True" then
  return { status = "Healthy", message = ready.message or "" }
end
return { status = "Progressing", message = ready.message or "" }
