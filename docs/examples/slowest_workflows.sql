-- docs/examples/slowest_workflows.sql
SELECT
    json_extract_string(attributes, '$.workflow.name') AS workflow,
    AVG((end_time - start_time) / 1000000.0) AS avg_duration_ms,
    COUNT(*) AS executions
FROM spans
WHERE json_extract(attributes, '$.flock.workflow') = 'true'
GROUP BY workflow
ORDER BY avg_duration_ms DESC
LIMIT 10;
