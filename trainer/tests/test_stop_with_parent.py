"""A run that bin/glassbox train started ends when train is killed with no chance to stop it
(`kill -9`): `--parent-pid` names train, and the run stops once it is no longer its parent."""

import os
import subprocess
import sys
import time
import unittest

TRAINER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def running(pid: int) -> bool:
    """Whether `pid` runs: ended processes not yet reaped by their new parent count as ended."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


class StopWithParentTest(unittest.TestCase):
    def test_theRunEnds_whenItsParentIsKilled(self):
        run = ("import os, sys, time; sys.path.insert(0, sys.argv[1]); "
               "from glassbox_trainer.__main__ import stop_with_parent; "
               "stop_with_parent(os.getppid(), every=0.1); print(os.getpid(), flush=True); time.sleep(120)")
        # A parent that waits for the run (`; :` keeps the shell from becoming it), as train does.
        parent = subprocess.Popen(["/bin/sh", "-c", '"$0" -c "$1" "$2"; :', sys.executable, run, TRAINER],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        pid = int(parent.stdout.readline())
        try:
            self.assertTrue(running(pid))
            parent.kill()
            parent.wait()
            deadline = time.monotonic() + 10
            while running(pid) and time.monotonic() < deadline:
                time.sleep(0.05)  # a poll interval
            self.assertFalse(running(pid), f"the run {pid} goes on after its parent was killed")
            self.assertIn(f"process {parent.pid}, which started this run, has ended; stopping", parent.stderr.read())
        finally:
            if running(pid):
                os.kill(pid, 9)
            parent.stdout.close()
            parent.stderr.close()


if __name__ == "__main__":
    unittest.main()
