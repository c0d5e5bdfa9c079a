"""Application services: what the API (and the CLI) call between parsing a request and the store.

Each service takes a ``Session`` and the acting ``Person``, checks the caller's rights with
``okrflow.access``, scopes every read and write to the caller's org, and leaves the commit to the
caller (one per request). Product text they write (notifications) is in English and Chinese.

    planning     propose / accept / decline / change tasks; task-graph and capacity findings
    checkins     record_check_in (idempotent with a key)
    comments     comments with @mentions that notify the people mentioned
    drafting     create / change objectives and key results (locks, alignment)
    governance   change requests, consultations opened by hand
    change_control  change requests around the mid-term window: decide, apply, publish; the revision log
    meetings     the consultation (会商) meeting, its agreed check, escalation, chasing, closing
    closeout     the cycle report, retrospectives, carry-over proposals, the archive
    intake       the ambassador's intake (raise, triage) and weekly org-wide digest
    governance_flow  the consultation and change-request workflows: start, record, decide, close
    cycles       the cycle workflow: start, pause, resume, status, submit and decide drafts
    sheets       which weekly sheets a person reads
    paging       cursor pages over a list
    notify       in-app notifications in both languages
"""
