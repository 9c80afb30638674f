"""`lstm-course hub`: a classroom on this machine, on JupyterHub (docs/CLASSROOM.md).

One folder holds the whole classroom (`layout.Classroom`): the hub's state, nbgrader's
exchange, the instructor's course folder and the settings each role's server reads. Modules:

- `layout`    the classroom's folders and people (names, roles); light, no side effects
- `users`     the Unix users: created as root, marked as the classroom's, private homes, demo passwords
- `runtime`   what the users' processes run (the course's venv, or a copy of it they can run) and
              the repository's instructor-only folders kept from them
- `folders`   the exchange, the course folder and the per-role settings, with their owners and modes
- `exchange`  nbgrader exchange classes the course's settings name (the holes of stock nbgrader closed)
- `hubconfig` the hub's `jupyterhub_config.py`
- `procs`     the process tree the command started, and stopping all of it
- `hub`       the command itself: set up, start the hub and its proxy, print the logins, stop on Ctrl-C
"""
