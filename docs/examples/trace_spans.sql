-- docs/examples/trace_spans.sql
SELECT name, parent_id
FROM spans
WHERE trace_id = 'your_trace_id'
ORDER BY start_time;
