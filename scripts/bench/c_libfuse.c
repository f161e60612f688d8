/*
 * c_libfuse: the benchmark device on the libfuse3 low-level API.
 *
 * Serves one file, MOUNT/bench, with the behaviour every benchmark driver
 * shares (docs/benchmarks.md): read(size) returns `size` bytes of 'x' at any
 * offset, write(data) accepts all of it, opens are direct_io and nonseekable
 * so every call reaches the daemon. Runs libfuse's multi-threaded loop, its
 * default for a daemon that does not ask for a single thread.
 *
 * usage: c_libfuse MOUNTDIR [-s]   (-s: single-threaded loop)
 * Prints "ready" on stdout once mounted; SIGTERM/SIGINT unmount and exit.
 */
#define FUSE_USE_VERSION 34
#include <fuse_lowlevel.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BENCH_INO 2
#define BENCH_NAME "bench"
#define PATTERN 'x'
#define MAX_IO (1 << 20)

static char *pattern;	/* MAX_IO bytes of PATTERN, read-only after start */

static void fill_attr(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0666;
		st->st_nlink = 1;
	}
}

static void bench_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	if (parent != FUSE_ROOT_ID || strcmp(name, BENCH_NAME) != 0) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = BENCH_INO;
	e.attr_timeout = 3600;
	e.entry_timeout = 3600;
	fill_attr(BENCH_INO, &e.attr);
	fuse_reply_entry(req, &e);
}

static void bench_getattr(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	struct stat st;

	(void)fi;
	if (ino != FUSE_ROOT_ID && ino != BENCH_INO) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_attr(ino, &st);
	fuse_reply_attr(req, &st, 3600);
}

/* `> file` in a shell truncates: accept and keep size 0. */
static void bench_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
			  int to_set, struct fuse_file_info *fi)
{
	(void)attr;
	(void)to_set;
	bench_getattr(req, ino, fi);
}

static void bench_open(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	if (ino != BENCH_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	fi->direct_io = 1;
	fi->nonseekable = 1;
	fuse_reply_open(req, fi);
}

static void bench_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)ino;
	(void)off;
	(void)fi;
	fuse_reply_buf(req, pattern, size < MAX_IO ? size : MAX_IO);
}

static void bench_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
			size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)ino;
	(void)buf;
	(void)off;
	(void)fi;
	fuse_reply_write(req, size);
}

static void bench_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
			  off_t off, struct fuse_file_info *fi)
{
	static const char *const names[] = { ".", "..", BENCH_NAME };
	static const fuse_ino_t inos[] = { FUSE_ROOT_ID, FUSE_ROOT_ID, BENCH_INO };
	char buf[512];
	size_t used = 0;
	struct stat st;

	(void)fi;
	if (ino != FUSE_ROOT_ID) {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if (size > sizeof(buf))
		size = sizeof(buf);
	for (off_t i = off; i < 3; i++) {
		size_t n;

		fill_attr(inos[i], &st);
		n = fuse_add_direntry(req, buf + used, size - used, names[i],
				      &st, i + 1);
		if (n > size - used)
			break;
		used += n;
	}
	fuse_reply_buf(req, buf, used);
}

static const struct fuse_lowlevel_ops bench_ops = {
	.lookup = bench_lookup,
	.getattr = bench_getattr,
	.setattr = bench_setattr,
	.open = bench_open,
	.read = bench_read,
	.write = bench_write,
	.readdir = bench_readdir,
};

int main(int argc, char **argv)
{
	char *fargv[] = { argv[0], "-o", "fsname=c_libfuse", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse_session *se;
	struct fuse_loop_config cfg = { .clone_fd = 0, .max_idle_threads = 10 };
	int single = argc > 2 && strcmp(argv[2], "-s") == 0;
	int ret = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: %s MOUNTDIR [-s]\n", argv[0]);
		return 2;
	}
	pattern = malloc(MAX_IO);
	if (!pattern)
		return 1;
	memset(pattern, PATTERN, MAX_IO);

	se = fuse_session_new(&args, &bench_ops, sizeof(bench_ops), NULL);
	if (!se)
		goto out_args;
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, argv[1]) != 0)
		goto out_signals;
	printf("ready\n");
	fflush(stdout);
	ret = single ? fuse_session_loop(se) : fuse_session_loop_mt(se, &cfg);
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_args:
	fuse_opt_free_args(&args);
	free(pattern);
	return ret ? 1 : 0;
}
