"""Sign-off: reviewers and their keys, the checklist, and approvals bound to a bundle's bytes.

Below the stages and the runner: it reads built files (manifest.json, review.json) and the
project's reviewers.yaml and approvals/, and imports nothing of the stages.

- keys.py       Ed25519 keys: keygen, loading, OpenSSH fingerprints
- checklist.py  the reviewer's checklist (templates/review/checklist.yaml) and answers
- approval.py   approvals/<lesson>.json: sign, and judge (approval_status, status_for_build)
"""
