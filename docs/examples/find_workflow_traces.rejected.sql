-- docs/examples/find_workflow_traces.rejected.sql
SELECT
    trace_id,
    json_extract(attributes, '$.workflow.name') as workflow_name,
    COUNT(*) as span_count,
    MIN(start_time) as start_time,
    MAX(end_time) as end_time,
    (MAX(end_time) - MIN(start_time)) / 1000000.0 as duration_ms
FROM spans
WHERE json_extract(attributes, '$.flock.workflow') = 'true'
GROUP BY trace_id
ORDER BY start_time DESC
