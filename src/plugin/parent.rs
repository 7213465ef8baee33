//! A provider whose Terraform was killed (SIGKILL, crash, Task Manager) would
//! wait forever for a Shutdown that never comes, so under Terraform it also
//! stops when the process that started it goes away. Only for
//! [`super::Mode::Managed`]: in debug mode the provider is meant to outlive
//! the shell command that started it.
//!
//! - Unix (Linux, macOS, the BSDs): an orphan is re-parented (to init, launchd
//!   or a subreaper), so the parent id changes; it is polled, since there is no
//!   portable notification (Linux's `PR_SET_PDEATHSIG` has no macOS twin).
//! - Windows: nothing is re-parented and a parent id can be reused, so the
//!   parent is found once, opened, and its handle waited on: the wait ends
//!   when that very process exits, whatever its id becomes later.

use super::shutdown::Shutdown;

const REASON: &str = "parent process exited";

/// How often to check that Terraform is still our parent.
#[cfg(unix)]
const PARENT_POLL: std::time::Duration = std::time::Duration::from_millis(500);

/// Triggers `shutdown` once the process that started us has exited.
#[cfg(unix)]
pub(crate) fn watch(shutdown: Shutdown) {
    let parent = std::os::unix::process::parent_id();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.wait() => break,
                () = tokio::time::sleep(PARENT_POLL) => {
                    if std::os::unix::process::parent_id() != parent {
                        shutdown.trigger(REASON);
                        break;
                    }
                }
            }
        }
    });
}

/// Triggers `shutdown` once the process that started us has exited. When the
/// parent cannot be found or opened (it may be gone already, or belong to
/// another user), nothing is watched and that is logged: a provider must not
/// stop because it cannot look at its parent.
#[cfg(windows)]
pub(crate) fn watch(shutdown: Shutdown) {
    match windows::open_parent() {
        Ok(parent) => {
            // A plain thread: the wait blocks, and it must not hold up the
            // runtime's shutdown (the thread dies with the process).
            let spawned = std::thread::Builder::new()
                .name("agent37-parent-watch".into())
                .spawn(move || {
                    if parent.wait() {
                        shutdown.trigger(REASON);
                    }
                });
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "cannot start the parent watch");
            }
        }
        Err(e) => tracing::warn!(error = %e, "not watching the parent process"),
    }
}

#[cfg(windows)]
mod windows {
    use std::io;

    use windows_sys::Win32::Foundation::{CloseHandle, FILETIME, HANDLE, INVALID_HANDLE_VALUE};
    use windows_sys::Win32::System::Diagnostics::ToolHelp::{
        CreateToolhelp32Snapshot, PROCESSENTRY32W, Process32FirstW, Process32NextW,
        TH32CS_SNAPPROCESS,
    };
    use windows_sys::Win32::System::Threading::{
        GetCurrentProcess, GetCurrentProcessId, GetProcessTimes, INFINITE, OpenProcess,
        PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SYNCHRONIZE, WaitForSingleObject,
    };

    /// An open kernel handle (a process, a snapshot), closed on drop.
    pub(super) struct Handle(HANDLE);

    // SAFETY: a process handle is a kernel object reference, usable from any
    // thread; this type only waits on it and closes it once.
    unsafe impl Send for Handle {}

    impl Drop for Handle {
        fn drop(&mut self) {
            // SAFETY: the handle came from OpenProcess or CreateToolhelp32Snapshot and
            // is closed only here.
            unsafe { CloseHandle(self.0) };
        }
    }

    impl Handle {
        /// Blocks until the process exits (a process handle only); false if the
        /// wait itself failed.
        pub(super) fn wait(&self) -> bool {
            // SAFETY: a valid handle opened with SYNCHRONIZE access.
            unsafe { WaitForSingleObject(self.0, INFINITE) == 0 }
        }
    }

    /// When the process behind `handle` was created, in 100 ns units since 1601.
    fn creation_time(handle: HANDLE) -> io::Result<u64> {
        let zero = FILETIME {
            dwLowDateTime: 0,
            dwHighDateTime: 0,
        };
        let (mut created, mut exited, mut kernel, mut user) = (zero, zero, zero, zero);
        // SAFETY: a process handle with query access; four writable FILETIMEs.
        let ok =
            unsafe { GetProcessTimes(handle, &mut created, &mut exited, &mut kernel, &mut user) };
        if ok == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok((u64::from(created.dwHighDateTime) << 32) | u64::from(created.dwLowDateTime))
    }

    /// The parent process, opened for waiting. Refused when the id now names a
    /// process younger than us: the parent is gone and its id was reused.
    pub(super) fn open_parent() -> io::Result<Handle> {
        let parent_id = parent_id()?;
        // SAFETY: plain call; a null handle means failure.
        let handle = unsafe {
            OpenProcess(
                PROCESS_SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION,
                0,
                parent_id,
            )
        };
        if handle.is_null() {
            return Err(io::Error::last_os_error());
        }
        let parent = Handle(handle);
        // SAFETY: plain call; the pseudo-handle it returns needs no closing.
        let mine = creation_time(unsafe { GetCurrentProcess() })?;
        if creation_time(parent.0)? > mine {
            return Err(io::Error::other(format!(
                "process {parent_id} started after us: our parent is gone"
            )));
        }
        Ok(parent)
    }

    /// The id of the process that created this one, from a process snapshot.
    fn parent_id() -> io::Result<u32> {
        // SAFETY: plain call; INVALID_HANDLE_VALUE means failure.
        let snapshot = unsafe { CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0) };
        if snapshot == INVALID_HANDLE_VALUE {
            return Err(io::Error::last_os_error());
        }
        let snapshot = Handle(snapshot);
        // SAFETY: plain call.
        let me = unsafe { GetCurrentProcessId() };
        let mut entry = PROCESSENTRY32W {
            dwSize: std::mem::size_of::<PROCESSENTRY32W>() as u32,
            ..Default::default()
        };
        // SAFETY: valid snapshot handle; `entry` is writable with dwSize set.
        let mut more = unsafe { Process32FirstW(snapshot.0, &mut entry) } != 0;
        while more {
            if entry.th32ProcessID == me {
                return Ok(entry.th32ParentProcessID);
            }
            // SAFETY: as above.
            more = unsafe { Process32NextW(snapshot.0, &mut entry) } != 0;
        }
        Err(io::Error::other(
            "this process is not in the process snapshot",
        ))
    }
}
