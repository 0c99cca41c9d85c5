-- 0008: a launch session names its activity in columns of its own, the
-- course (context_id) and the resource link, copied from its context, so
-- that a learner page reads the session and where the learner stands in
-- that activity (activity, consent) with one statement. The sessions
-- already stored get them from their context's JSON.
ALTER TABLE launch_sessions ADD COLUMN context_id TEXT NOT NULL DEFAULT '';
ALTER TABLE launch_sessions ADD COLUMN resource_link_id TEXT NOT NULL DEFAULT '';
UPDATE launch_sessions SET
    context_id = COALESCE(json_extract(context, '$.context_id'), ''),
    resource_link_id = COALESCE(json_extract(context, '$.resource_link_id'), '');
