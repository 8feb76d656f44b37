-- docs/examples/workflows_view.sql
SELECT trace_id, workflow_name, start_time, end_time, duration_ms, span_count, status
FROM workflows
ORDER BY start_time DESC;
