"""The hub's `jupyterhub_config.py`, written into CLASSROOM/hub/ at each start.

A plain JupyterHub configuration, every setting spelled out, so that it can be read as the
classroom's description and copied as the start of a real course's (docs/CLASSROOM.md).
"""
from __future__ import annotations

from pathlib import Path

from ..course import REPO
from .folders import role_env
from .layout import Classroom
from .runtime import Runtime

PROXY = REPO / "node_modules" / ".bin" / "configurable-http-proxy"


def text(room: Classroom, rt: Runtime, ip: str, port: int, hub_port: int, api_port: int) -> str:
    roles = {u: room.role(u) for u in room.users}
    env = {role: role_env(room, rt, role) for role in ("instructor", "student")}
    return f'''\
# JupyterHub configuration of the classroom in {room.root}
# (written by `lstm-course hub` at each start; docs/CLASSROOM.md says what to change for a real course).
c = get_config()  # noqa: F821 (provided by JupyterHub)

# Where: the proxy (configurable-http-proxy, from npm) serves {ip}:{port}, the address users open;
# the hub and the proxy's API listen on the loopback interface only.
c.JupyterHub.bind_url = "http://{ip}:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{str(PROXY)!r}]
c.ConfigurableHTTPProxy.pid_file = {str(room.hub / "proxy.pid")!r}

# State: in the classroom's folder, so that a restart keeps the users' logins and servers' records.
c.JupyterHub.db_url = {("sqlite:///" + str(room.hub / "jupyterhub.sqlite"))!r}
c.JupyterHub.cookie_secret_file = {str(room.hub / "jupyterhub_cookie_secret")!r}
c.JupyterHub.pid_file = {str(room.hub / "jupyterhub.pid")!r}
c.JupyterHub.cleanup_servers = True  # the hub stops every user's server when it stops

# Who: the classroom's Unix users, their passwords checked by PAM (the system's "login" service).
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.service = "login"
c.Authenticator.allowed_users = set({sorted(room.users)!r})
c.Authenticator.admin_users = set()

# Each user's server runs as that Unix user (LocalProcessSpawner), JupyterLab by default.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [{str(rt.bin / "jupyterhub-singleuser")!r}]
c.Spawner.default_url = "/lab"
c.Spawner.env_keep = ["LANG", "LC_ALL"]  # nothing else of root's environment
c.Spawner.start_timeout = 300  # a loaded machine takes a while to import JupyterLab
c.Spawner.http_timeout = 300
c.LocalProcessSpawner.interrupt_timeout = 3  # stopping: SIGINT, then SIGTERM, then SIGKILL
c.LocalProcessSpawner.term_timeout = 3
c.LocalProcessSpawner.kill_timeout = 2

ROLES = {roles!r}
ENV = {env!r}
# The instructor's server opens the course folder (the formgrader grades the course of the folder
# it starts in); a student's opens their home.
ROOT_DIR = {{"instructor": {str(room.course)!r}, "student": ""}}


def pre_spawn_hook(spawner):
    role = ROLES[spawner.user.name]
    spawner.environment = {{**spawner.environment, **ENV[role]}}
    spawner.notebook_dir = ROOT_DIR[role]


c.Spawner.pre_spawn_hook = pre_spawn_hook
'''


def write(room: Classroom, rt: Runtime, ip: str, port: int, hub_port: int, api_port: int) -> Path:
    path = room.hub / "jupyterhub_config.py"
    path.write_text(text(room, rt, ip, port, hub_port, api_port))
    path.chmod(0o600)
    return path
