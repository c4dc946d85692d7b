// SPDX-License-Identifier: MIT
/*
 * The power-loss shim: a SQLite VFS preloaded (LD_PRELOAD) into the real
 * tillnet-term and tillnet-hub for tests/integration/test_power_loss.py. It
 * keeps, beside every database file, what is needed to throw away the writes
 * a power cut would lose, and cuts the power at a chosen operation.
 *
 * A note on the model. A file's contents are volatile until an fsync of that
 * file returns; creating, renaming and deleting files is durable at once.
 * So for every write or truncate of a database, rollback journal or WAL
 * file, the shim saves what it overwrote (the old bytes and the old size)
 * to an undo log beside the file, "<file>-powerundo"; when the file's xSync
 * returns, everything in that log is durable and the log is emptied. A
 * power cut is then: stop every process of the machine dead, and apply each
 * undo log backwards, which leaves each file as it was at its last sync
 * (tests/integration/test_power_loss.py, restore()). That is the worst a
 * disk that honours fsync may do: it loses every write since the last sync
 * and keeps every one before it. Torn sectors and writes reordered inside
 * one file's unsynced tail are not modelled. The -shm index is memory, not
 * data: the restore deletes it, as SQLite rebuilds it from the WAL.
 *
 * Every write, truncate and sync of such a file is one operation, counted
 * across the machine and done under one lock, so the count is the same for
 * the same run and no operation is half-done when the power goes:
 *
 *   TILLNET_POWERCUT_COUNTER=FILE  the machine's count, shared by every
 *                                  process started with it (else per process);
 *                                  after a run it holds the total
 *   TILLNET_POWERCUT_AT=N          operation N is never done: the process
 *                                  that reaches it is killed (SIGKILL) before
 *   TILLNET_POWERCUT_TRACE=FILE    one line per operation: "N kind file
 *                                  offset bytes" (kind write, truncate, sync)
 *
 * The undo log is a sequence of records, each one write(): a 32-byte head
 * (8 bytes tag, then three little-endian u64) and the old bytes.
 *   "PWRUNDOW" offset, old size, n: a write at offset; n old bytes follow
 *   "PWRUNDOT" new size, old size, n: a truncate; n old bytes from new size
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHIM_VFS_NAME	 "tillnet-powercut"
#define SHIM_UNDO_SUFFIX "-powerundo"
#define SHIM_TAG_WRITE	 "PWRUNDOW"
#define SHIM_TAG_TRUNC	 "PWRUNDOT"
#define SHIM_PATH_MAX	 4096

struct shim_file {
	sqlite3_file base;
	sqlite3_file *real; /* the unix VFS's file, right after this struct */
	int logged;	    /* a database, journal or WAL written through this handle */
	int data_fd;	    /* the same file, read-only: old bytes and sizes */
	int undo_fd;	    /* its undo log, append-only */
	const char *name;   /* SQLite's, valid until xClose */
};

struct shim_head {
	char tag[8];
	uint64_t a;
	uint64_t old_size;
	uint64_t n;
};

static sqlite3_vfs *shim_root;
static sqlite3_vfs shim_vfs;
static pthread_mutex_t shim_lock = PTHREAD_MUTEX_INITIALIZER;
static long long shim_count;	 /* without a counter file */
static long long shim_cut_at;	 /* 0: never */
static int shim_counter_fd = -1; /* TILLNET_POWERCUT_COUNTER */
static int shim_trace_fd = -1;	 /* TILLNET_POWERCUT_TRACE */

/* The shim cannot keep its promise (an undo log it cannot write): stop loudly. */
static void shim_fatal(const char *what, const char *name)
{
	fprintf(stderr, "tillnet powercut shim: %s %s: %s\n", what, name ? name : "",
		strerror(errno));
	abort();
}

static int shim_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int shim_pread_all(int fd, void *buf, size_t len, off_t off)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

static const char *shim_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * The machine's lock, held from counting an operation until it is done and
 * logged: a pthread mutex for the process's threads, flock on the counter
 * file for the other processes.
 */
static void shim_machine_lock(void)
{
	pthread_mutex_lock(&shim_lock);
	if (shim_counter_fd >= 0 && flock(shim_counter_fd, LOCK_EX) < 0)
		shim_fatal("cannot lock the counter", NULL);
}

static void shim_machine_unlock(void)
{
	if (shim_counter_fd >= 0)
		flock(shim_counter_fd, LOCK_UN);
	pthread_mutex_unlock(&shim_lock);
}

static long long shim_count_next(void)
{
	char text[32] = "";
	long long n = 0;
	ssize_t got;
	int len;

	if (shim_counter_fd < 0)
		return ++shim_count;
	got = pread(shim_counter_fd, text, sizeof(text) - 1, 0);
	if (got > 0) {
		text[got] = '\0';
		n = strtoll(text, NULL, 10);
	}
	n++;
	len = snprintf(text, sizeof(text), "%020lld\n", n);
	if (pwrite(shim_counter_fd, text, (size_t)len, 0) != len)
		shim_fatal("cannot write the counter", NULL);
	return n;
}

/*
 * Count one operation on `f`; at TILLNET_POWERCUT_AT the power goes instead.
 * Called with the machine's lock held.
 */
static void shim_operation(struct shim_file *f, const char *kind, long long off, long long len)
{
	long long n = shim_count_next();
	char line[SHIM_PATH_MAX + 128];
	int k;

	if (shim_trace_fd >= 0) {
		k = snprintf(line, sizeof(line), "%lld %s %s %lld %lld\n", n, kind,
			     shim_basename(f->name), off, len);
		if (k > 0 && (size_t)k < sizeof(line) &&
		    shim_write_all(shim_trace_fd, line, (size_t)k) < 0)
			shim_fatal("cannot write the trace", NULL);
	}
	if (n != shim_cut_at)
		return;
	k = snprintf(line, sizeof(line),
		     "tillnet powercut: power cut at operation %lld (%s of %s)\n", n, kind,
		     shim_basename(f->name));
	if (k > 0 && (size_t)k < sizeof(line))
		(void)!write(STDERR_FILENO, line, (size_t)k);
	/* Nothing after this point reaches the disk: no exit handlers, no close. */
	kill(getpid(), SIGKILL);
	_exit(137); /* not reached */
}

static off_t shim_size(struct shim_file *f)
{
	struct stat st;

	if (fstat(f->data_fd, &st) < 0)
		shim_fatal("cannot stat", f->name);
	return st.st_size;
}

/*
 * The undo record of an operation about to be done on `f`: the head and `n`
 * bytes of the file from `from`, read now. Freed by shim_undo_keep.
 */
static char *shim_undo_record(struct shim_file *f, const char *tag, uint64_t a, uint64_t old_size,
			      uint64_t from, uint64_t n)
{
	struct shim_head h;
	char *rec = malloc(sizeof(h) + n);

	if (!rec)
		shim_fatal("out of memory for the undo log of", f->name);
	memcpy(h.tag, tag, sizeof(h.tag));
	h.a = a;
	h.old_size = old_size;
	h.n = n;
	memcpy(rec, &h, sizeof(h));
	if (n > 0 && shim_pread_all(f->data_fd, rec + sizeof(h), n, (off_t)from) < 0)
		shim_fatal("cannot read the old bytes of", f->name);
	return rec;
}

/* Append `rec` to the undo log when its operation succeeded (`rc`); free it. */
static void shim_undo_keep(struct shim_file *f, char *rec, int rc)
{
	struct shim_head h;

	memcpy(&h, rec, sizeof(h));
	if (rc == SQLITE_OK && shim_write_all(f->undo_fd, rec, sizeof(h) + h.n) < 0)
		shim_fatal("cannot write the undo log of", f->name);
	free(rec);
}

/* ---------------------------------------------------------- the file's methods */

static int shim_close(sqlite3_file *file)
{
	struct shim_file *f = (struct shim_file *)file;
	int rc = f->real->pMethods->xClose(f->real);

	if (f->data_fd >= 0)
		close(f->data_fd);
	if (f->undo_fd >= 0)
		close(f->undo_fd);
	f->data_fd = f->undo_fd = -1;
	return rc;
}

static int shim_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 off)
{
	struct shim_file *f = (struct shim_file *)file;

	return f->real->pMethods->xRead(f->real, buf, amt, off);
}

/*
 * A write: the old bytes are read before it and logged after it succeeded,
 * so that a record in the log always stands for a write that happened.
 */
static int shim_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 off)
{
	struct shim_file *f = (struct shim_file *)file;
	uint64_t n = 0;
	char *rec;
	off_t size;
	int rc;

	if (!f->logged)
		return f->real->pMethods->xWrite(f->real, buf, amt, off);
	shim_machine_lock();
	shim_operation(f, "write", off, amt);
	size = shim_size(f);
	if (off < size)
		n = (uint64_t)(size - off) < (uint64_t)amt ? (uint64_t)(size - off) : (uint64_t)amt;
	rec = shim_undo_record(f, SHIM_TAG_WRITE, (uint64_t)off, (uint64_t)size, (uint64_t)off, n);
	rc = f->real->pMethods->xWrite(f->real, buf, amt, off);
	shim_undo_keep(f, rec, rc);
	shim_machine_unlock();
	return rc;
}

/* A truncate: only a shrink loses bytes, and those are kept in its record. */
static int shim_truncate(sqlite3_file *file, sqlite3_int64 size)
{
	struct shim_file *f = (struct shim_file *)file;
	uint64_t n = 0;
	char *rec;
	off_t old;
	int rc;

	if (!f->logged)
		return f->real->pMethods->xTruncate(f->real, size);
	shim_machine_lock();
	shim_operation(f, "truncate", size, 0);
	old = shim_size(f);
	if (size < old)
		n = (uint64_t)(old - size);
	rec = shim_undo_record(f, SHIM_TAG_TRUNC, (uint64_t)size, (uint64_t)old, (uint64_t)size, n);
	rc = f->real->pMethods->xTruncate(f->real, size);
	shim_undo_keep(f, rec, rc);
	shim_machine_unlock();
	return rc;
}

static int shim_sync(sqlite3_file *file, int flags)
{
	struct shim_file *f = (struct shim_file *)file;
	int rc;

	if (!f->logged)
		return f->real->pMethods->xSync(f->real, flags);
	shim_machine_lock();
	shim_operation(f, "sync", 0, 0);
	rc = f->real->pMethods->xSync(f->real, flags);
	if (rc == SQLITE_OK && ftruncate(f->undo_fd, 0) < 0)
		shim_fatal("cannot empty the undo log of", f->name);
	shim_machine_unlock();
	return rc;
}

static int shim_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
	struct shim_file *f = (struct shim_file *)file;

	return f->real->pMethods->xFileSize(f->real, size);
}

static int shim_lock_file(sqlite3_file *file, int lock)
{
	struct shim_file *f = (struct shim_file *)file;

	return f->real->pMethods->xLock(f->real, lock);
}

static int shim_unlock_file(sqlite3_file *file, int lock)
{
	struct shim_file *f = (struct shim_file *)file;

	return f->real->pMethods->xUnlock(f->real, lock);
}

static int shim_check_reserved(sqlite3_file *file, int *out)
{
	struct shim_file *f = (struct shim_file *)file;

	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int shim_file_control(sqlite3_file *file, int op, void *arg)
{
	struct shim_file *f = (struct shim_file *)file;

	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int shim_sector_size(sqlite3_file *file)
{
	struct shim_file *f = (struct shim_file *)file;

	return f->real->pMethods->xSectorSize(f->real);
}

static int shim_device_characteristics(sqlite3_file *file)
{
	struct shim_file *f = (struct shim_file *)file;

	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int shim_shm_map(sqlite3_file *file, int region, int size, int extend, void volatile **p)
{
	struct shim_file *f = (struct shim_file *)file;

	return f->real->pMethods->xShmMap(f->real, region, size, extend, p);
}

static int shim_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
	struct shim_file *f = (struct shim_file *)file;

	return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void shim_shm_barrier(sqlite3_file *file)
{
	struct shim_file *f = (struct shim_file *)file;

	f->real->pMethods->xShmBarrier(f->real);
}

static int shim_shm_unmap(sqlite3_file *file, int delete_flag)
{
	struct shim_file *f = (struct shim_file *)file;

	return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}

static int shim_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **p)
{
	struct shim_file *f = (struct shim_file *)file;

	return f->real->pMethods->xFetch(f->real, off, amt, p);
}

static int shim_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
	struct shim_file *f = (struct shim_file *)file;

	return f->real->pMethods->xUnfetch(f->real, off, p);
}

static const sqlite3_io_methods shim_io_methods = {
    .iVersion = 3,
    .xClose = shim_close,
    .xRead = shim_read,
    .xWrite = shim_write,
    .xTruncate = shim_truncate,
    .xSync = shim_sync,
    .xFileSize = shim_file_size,
    .xLock = shim_lock_file,
    .xUnlock = shim_unlock_file,
    .xCheckReservedLock = shim_check_reserved,
    .xFileControl = shim_file_control,
    .xSectorSize = shim_sector_size,
    .xDeviceCharacteristics = shim_device_characteristics,
    .xShmMap = shim_shm_map,
    .xShmLock = shim_shm_lock,
    .xShmBarrier = shim_shm_barrier,
    .xShmUnmap = shim_shm_unmap,
    .xFetch = shim_fetch,
    .xUnfetch = shim_unfetch,
};

/* ------------------------------------------------------------ the VFS */

static int shim_undo_path(char *out, size_t len, const char *name)
{
	int n = snprintf(out, len, "%s%s", name, SHIM_UNDO_SUFFIX);

	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* Files whose contents are the store's data: the rest are temporary. */
static int shim_is_logged(const char *name, int flags)
{
	int kinds = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_WAL |
		    SQLITE_OPEN_SUPER_JOURNAL;

	return name && (flags & kinds) && !(flags & SQLITE_OPEN_DELETEONCLOSE) &&
	       !(flags & SQLITE_OPEN_READONLY);
}

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
		     int *out_flags)
{
	struct shim_file *f = (struct shim_file *)file;
	char undo[SHIM_PATH_MAX];
	int existed, rc;

	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)(f + 1);
	f->data_fd = f->undo_fd = -1;
	f->name = name;
	f->logged = shim_is_logged(name, flags);
	existed = name && access(name, F_OK) == 0;
	rc = shim_root->xOpen(shim_root, name, f->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		if (f->real->pMethods)
			f->real->pMethods->xClose(f->real);
		f->base.pMethods = NULL;
		return rc;
	}
	f->base.pMethods = &shim_io_methods;
	if (!f->logged)
		return SQLITE_OK;
	if (shim_undo_path(undo, sizeof(undo), name) < 0) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	/* A new file: a log left from an earlier file of the same name is not its. */
	if (!existed && unlink(undo) < 0 && errno != ENOENT)
		goto fail;
	f->data_fd = open(name, O_RDONLY | O_CLOEXEC);
	if (f->data_fd < 0)
		goto fail;
	f->undo_fd = open(undo, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (f->undo_fd < 0)
		goto fail;
	return SQLITE_OK;
fail:
	fprintf(stderr, "tillnet powercut shim: cannot keep an undo log for %s: %s\n", name,
		strerror(errno));
	shim_close(file);
	f->base.pMethods = NULL;
	return SQLITE_CANTOPEN;
}

/* Deleting is durable at once: so is dropping the file's undo log. */
static int shim_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	char undo[SHIM_PATH_MAX];
	int rc = shim_root->xDelete(shim_root, name, sync_dir);

	if (rc == SQLITE_OK && shim_undo_path(undo, sizeof(undo), name) == 0)
		unlink(undo);
	return rc;
}

static int shim_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	return shim_root->xAccess(shim_root, name, flags, out);
}

static int shim_full_pathname(sqlite3_vfs *vfs, const char *name, int len, char *out)
{
	return shim_root->xFullPathname(shim_root, name, len, out);
}

static void *shim_dl_open(sqlite3_vfs *vfs, const char *name)
{
	return shim_root->xDlOpen(shim_root, name);
}

static void shim_dl_error(sqlite3_vfs *vfs, int len, char *msg)
{
	shim_root->xDlError(shim_root, len, msg);
}

static void (*shim_dl_sym(sqlite3_vfs *vfs, void *lib, const char *sym))(void)
{
	return shim_root->xDlSym(shim_root, lib, sym);
}

static void shim_dl_close(sqlite3_vfs *vfs, void *lib)
{
	shim_root->xDlClose(shim_root, lib);
}

static int shim_randomness(sqlite3_vfs *vfs, int len, char *out)
{
	return shim_root->xRandomness(shim_root, len, out);
}

static int shim_sleep(sqlite3_vfs *vfs, int us)
{
	return shim_root->xSleep(shim_root, us);
}

static int shim_current_time(sqlite3_vfs *vfs, double *now)
{
	return shim_root->xCurrentTime(shim_root, now);
}

static int shim_last_error(sqlite3_vfs *vfs, int len, char *msg)
{
	return shim_root->xGetLastError(shim_root, len, msg);
}

static int shim_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *now)
{
	return shim_root->xCurrentTimeInt64(shim_root, now);
}

static int shim_set_system_call(sqlite3_vfs *vfs, const char *name, sqlite3_syscall_ptr p)
{
	return shim_root->xSetSystemCall(shim_root, name, p);
}

static sqlite3_syscall_ptr shim_get_system_call(sqlite3_vfs *vfs, const char *name)
{
	return shim_root->xGetSystemCall(shim_root, name);
}

static const char *shim_next_system_call(sqlite3_vfs *vfs, const char *name)
{
	return shim_root->xNextSystemCall(shim_root, name);
}

static int shim_open_env_file(const char *var, int flags)
{
	const char *path = getenv(var);
	int fd;

	if (!path || !*path)
		return -1;
	fd = open(path, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		shim_fatal("cannot open", path);
	return fd;
}

__attribute__((constructor)) static void shim_init(void)
{
	const char *at = getenv("TILLNET_POWERCUT_AT");

	if (at && *at)
		shim_cut_at = strtoll(at, NULL, 10);
	shim_counter_fd = shim_open_env_file("TILLNET_POWERCUT_COUNTER", O_RDWR | O_CREAT);
	shim_trace_fd = shim_open_env_file("TILLNET_POWERCUT_TRACE", O_WRONLY | O_CREAT | O_APPEND);
	shim_root = sqlite3_vfs_find(NULL);
	if (!shim_root) {
		fprintf(stderr, "tillnet powercut shim: SQLite has no default VFS\n");
		abort();
	}
	shim_vfs = (sqlite3_vfs){
	    .iVersion = 3,
	    .szOsFile = (int)sizeof(struct shim_file) + shim_root->szOsFile,
	    .mxPathname = shim_root->mxPathname,
	    .zName = SHIM_VFS_NAME,
	    .xOpen = shim_open,
	    .xDelete = shim_delete,
	    .xAccess = shim_access,
	    .xFullPathname = shim_full_pathname,
	    .xDlOpen = shim_dl_open,
	    .xDlError = shim_dl_error,
	    .xDlSym = shim_dl_sym,
	    .xDlClose = shim_dl_close,
	    .xRandomness = shim_randomness,
	    .xSleep = shim_sleep,
	    .xCurrentTime = shim_current_time,
	    .xGetLastError = shim_last_error,
	    .xCurrentTimeInt64 = shim_current_time_int64,
	    .xSetSystemCall = shim_set_system_call,
	    .xGetSystemCall = shim_get_system_call,
	    .xNextSystemCall = shim_next_system_call,
	};
	if (sqlite3_vfs_register(&shim_vfs, 1) != SQLITE_OK) {
		fprintf(stderr, "tillnet powercut shim: cannot register its VFS\n");
		abort();
	}
}
