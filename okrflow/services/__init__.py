"""Application services: what the API (and the CLI) call between parsing a request and the store.

Each service takes a ``Session`` and the acting ``Person``, checks the caller's rights with
``okrflow.access``, scopes every read and write to the caller's org, and leaves the commit to the
caller (one per request). Product text they write (notifications) is in English and Chinese.

    planning     propose / accept / decline / change tasks; task-graph and capacity findings
    checkins     record_check_in (idempotent with a key)
    comments     comments with @mentions that notify the people mentioned
    drafting     create / change objectives and key results (locks, alignment); what a request is about
    change_control  change requests: what may change, who approves, request, remind, expire
    change_decisions  approving (apply, publish to all) or rejecting a change request
    midterm      the mid-term review (confirm, open, close and publish the window) and the revision log
    consultations   the consultation (会商): convene, chase, close; what the workflow waits for
    meetings     the consultation meeting's record (checked before the workflow records it)
    consultation_checks  the agreed check of a consultation and the escalation one rung higher
    closeout     the cycle report, retrospectives, carry-over proposals, the archive
    intake       the ambassador's intake (raise, triage) and weekly org-wide digest
    cycles       the cycle workflow: start, pause, resume, status, submit and decide drafts
    governance_flow  the consultation and change-request workflows: start, record, decide, close
    workflow_calls  Temporal's refusals as the core's errors, for the two above
    dashboards   the org, team and person dashboards, read from the roll-ups (kept by ``rollups``)
    sheets       which weekly sheets a person reads
    paging       cursor pages over a list
    notify       in-app notifications in both languages
"""
