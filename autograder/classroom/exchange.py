"""nbgrader's exchange, with the holes of nbgrader 0.9.6 closed for a shared machine.

The classroom's settings name these classes (`c.ExchangeFactory.*`, written by
`folders.py`); everything else is stock nbgrader. nbgrader imports this module in the users'
servers and commands: it imports nothing of the course beyond nbgrader.

- `PrivateSubmit` (students' settings): stock `nbgrader submit` leaves a submission
  world-readable and its folder world-writable (0777, "hidden from other users by the
  timestamp"; nbgrader#978): whoever learns its name can read it, its `submission_secret.txt`
  (which names the feedback) included, or change it before it is collected. The exchange's
  inbound folder is setgid to the instructor's own group, so the submission is already that
  group's: it is made readable by its student and that group only.
- `OwnerCheckedCollect` (instructor's settings): anyone may write a folder named
  `someone-else+01_gates+<time>+<random>` into the inbound folder, and `nbgrader submit
  --student someone-else` does just that. Stock `nbgrader collect` only warns
  ("cheating attempt?") and collects it as that student's, the latest submission winning: a
  student could replace another's graded work. A folder not owned by the student it names is
  not collected, and named in the log. It also says when a student submitted again after
  their submission was collected (a late submission: kept in the exchange until
  `collect --update`).
- `ReleaseFeedback` (instructor's settings): `lstm-course grade` grades a single notebook saved
  under another name as the one the assignment expects, and writes its page under the expected
  name; `nbgrader fetch_feedback` looks for a page under the name the student submitted
  (nbgrader#1712), so the student would never get it. The page is also released under that name.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
from collections import defaultdict

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from nbgrader.exchange.default.submit import ExchangeSubmit
from nbgrader.utils import check_mode, ignore_patterns, notebook_hash

SUBMISSION_DIR_MODE = 0o770  # the student (owner) and the instructor's group
SUBMISSION_FILE_MODE = 0o640


def owner(path: str) -> str:
    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


class PrivateSubmit(ExchangeSubmit):
    def do_copy(self, src, dest, log=None):
        """Into the inbound folder: nbgrader's copy (same size limits and ignored files) except
        that folders do not take their source's mode (copytree's copystat drops the setgid bit
        they inherit), so the submission and the files nbgrader writes into it afterwards
        (timestamp.txt, submission_secret.txt) keep the instructor's group."""
        if os.path.dirname(os.path.abspath(dest)) != os.path.abspath(self.inbound_path):
            return super().do_copy(src, dest, log)
        size, limit = self.get_size(src), 1000 * self.coursedir.max_dir_size
        if size > limit:
            self.log.error("Directory size is too big")
            raise RuntimeError(f"Directory size is too big. Size is {size}, maximum size is {limit}")
        ignore = ignore_patterns(exclude=self.coursedir.ignore, include=self.coursedir.include,
                                 max_file_size=self.coursedir.max_file_size, log=self.log)

        def copy_dir(s, d):
            os.mkdir(d)  # in a setgid folder: setgid, and its group
            names = os.listdir(s)
            skip = ignore(s, names)
            for name in names:
                if name in skip:
                    continue
                sp, dp = os.path.join(s, name), os.path.join(d, name)
                copy_dir(sp, dp) if os.path.isdir(sp) else shutil.copy2(sp, dp)

        copy_dir(src, dest)

    def copy_files(self):
        super().copy_files()
        dest = os.path.join(self.inbound_path, self.assignment_filename)
        group = os.stat(self.inbound_path).st_gid
        paths = [dest]
        for dirpath, dirs, files in os.walk(dest):
            paths += [os.path.join(dirpath, n) for n in dirs + files]
        if any(os.lstat(p).st_gid != group for p in paths):
            self.log.warning("The submission did not get the group of %s (not setgid?): left readable by all users "
                             "as stock nbgrader leaves it", self.inbound_path)
            return
        for p in reversed(paths):  # files first, the folder itself last
            os.chmod(p, SUBMISSION_DIR_MODE if os.path.isdir(p) else SUBMISSION_FILE_MODE)


class OwnerCheckedCollect(ExchangeCollect):
    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail("Course not found: {}".format(self.inbound_path))
        if not check_mode(self.inbound_path, read=True, execute=True):
            self.fail("You don't have read permissions for the directory: {}".format(self.inbound_path))
        student_id = self.coursedir.student_id or "*"
        pattern = os.path.join(self.inbound_path, "{}+{}+*".format(student_id, self.coursedir.assignment_id))
        records = []
        for path in sorted(glob.glob(pattern)):
            rec = self._path_to_record(path)
            who = owner(path)
            if who != rec["username"]:
                self.log.error("Not collected: %s names %s as its student but was written by %s (a submission made "
                               "as someone else); it stays in the exchange", rec["filename"], rec["username"], who)
                continue
            records.append(rec)
        by_student = defaultdict(list)
        for rec in records:
            by_student[rec["username"]].append(rec)
        from nbgrader.api import Gradebook, MissingEntry
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                self.duedate = gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                self.duedate = None
        self.src_records = []
        for recs in by_student.values():
            recs = self._sort_by_timestamp(recs)
            if self.duedate is not None and self.before_duedate:
                recs = [r for r in recs if r["timestamp"] <= self.duedate] or recs
            self.src_records.append(recs[0])

    def copy_files(self):
        if not self.update:
            for rec in self.src_records:
                dest = self.coursedir.format_path(self.coursedir.submitted_directory, rec["username"],
                                                  self.coursedir.assignment_id)
                kept = self.coursedir.get_existing_timestamp(dest) if os.path.isdir(dest) else None
                if kept is not None and rec["timestamp"] > kept:
                    self.log.warning("%s submitted %s again at %s, after the submission of %s was collected: the "
                                     "collected one is kept (and its grades); the new one stays in the exchange "
                                     "until `nbgrader collect --update %s` (the formgrader's Collect does the same)",
                                     rec["username"], self.coursedir.assignment_id, rec["timestamp"], kept,
                                     self.coursedir.assignment_id)
        super().copy_files()


class ReleaseFeedback(ExchangeReleaseFeedback):
    def copy_files(self):
        super().copy_files()
        for page in sorted(glob.glob(os.path.join(self.src_path, "*.html"))):
            folder = os.path.dirname(page)
            student = os.path.basename(os.path.dirname(folder))
            notebook = os.path.splitext(os.path.basename(page))[0]
            submitted = self.coursedir.format_path(self.coursedir.submitted_directory, student,
                                                   self.coursedir.assignment_id)
            names = {os.path.splitext(n)[0] for n in os.listdir(submitted) if n.endswith(".ipynb")} \
                if os.path.isdir(submitted) else set()
            pages = {os.path.splitext(n)[0] for n in os.listdir(folder) if n.endswith(".html")}
            strays = sorted(names - pages)
            if notebook in names or len(strays) != 1 or len(pages - names) != 1:
                continue  # submitted under its own name, or not one renamed notebook: nothing to add
            with open(os.path.join(folder, "submission_secret.txt")) as fh:
                secret = fh.read()
            dest = os.path.join(self.dest_path, "{}.html".format(notebook_hash(secret=secret, notebook_id=strays[0])))
            shutil.copy(page, dest + ".tmp")
            shutil.move(dest + ".tmp", dest)
            self.log.info("Released the feedback of %s's %s.ipynb also as %s.ipynb, the name it was submitted under",
                          student, notebook, strays[0])
