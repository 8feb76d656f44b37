-- docs/examples/find_workflow_traces.sql
SELECT w.trace_id,
       json_extract_string(w.attributes, '$.workflow.name') AS workflow_name,
       (SELECT COUNT(*) FROM spans s WHERE s.trace_id = w.trace_id) AS span_count,
       w.start_time,
       w.end_time,
       w.duration_ms
FROM spans w
WHERE json_extract(w.attributes, '$.flock.workflow') = 'true'
ORDER BY w.start_time DESC;
