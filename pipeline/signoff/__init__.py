"""Sign-off: reviewers and their keys, the checklist, and approvals bound to a bundle's bytes.

Below the stages and the runner: it reads built files (the bundle zip, review.json), the lesson as
loaded from content/, and the project's reviewers.yaml and approvals/, and imports nothing of the
stages (callers name the bundle zip).

- keys.py       Ed25519 keys: keygen, loading, OpenSSH fingerprints
- reviewers.py  reviewers.yaml: who may approve, with which public key
- checklist.py  the reviewer's checklist (templates/review/checklist.yaml) and answers
- integrity.py  a zip as published: its sha256, each entry's, bytes around it; what an edit changed
- approval.py   approvals/<lesson>.json: sign, and judge (approval_status, status_for_build)
- verify.py     microlearn verify: a bundle zip against its approval and the reviewers' keys, alone
"""
