/*
 * mamori-fanotify: the Mamori agent's fanotify helper (Linux, needs CAP_SYS_ADMIN, i.e. root).
 *
 * Why a hand-written C program and not an npm package: no maintained Node binding of fanotify exists, and a
 * permission event must be answered by code that never stalls (no garbage collector, no event loop shared with
 * other work): while it is unanswered the process that opened the file waits in the kernel. This program is
 * small enough to read in one sitting and is built statically by apps/agent/scripts/build-native.ts.
 *
 * What it does:
 *   - every decoy gets an inode mark for FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_MODIFY | FAN_CLOSE_WRITE: the
 *     kernel asks us before any process opens or reads a decoy, and tells us which process it is;
 *   - every watched directory gets FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD: which process wrote which file, with a
 *     flag when the start of the file looks encrypted (high entropy, no known file signature);
 *   - a permission event on a decoy whose kill flag is set, from a process that is not protected (pid 1, this
 *     helper, its parent chain up to init, and the pids the agent names), is answered by freezing the process
 *     (SIGSTOP), reading its name, command line and owner, killing it (SIGKILL) and then denying the access, so
 *     the process never reads the decoy; everything else is allowed at once.
 *   - one JSON line per event goes to stdout (non-blocking, lines are dropped rather than ever blocking an
 *     answer); protected processes (the agent's own sweeps) are not reported.
 *
 * Commands on stdin, one per line:
 *   P <pid>           never act on this pid, nor report it
 *   D <0|1> [<dev>:<ino>] <path>
 *                     watch a decoy; 1 = kill and deny on open or read. The path must be a regular file (a link
 *                     is never followed) and, when given, the device and inode recorded when it was planted: a
 *                     decoy a user replaced by a link or another file is refused (mark_error), never marked.
 *   T <path>          watch a directory (writes of its direct children; a link is never followed)
 *   F                 remove every mark (before a new set)
 *   G <id>            reply {"ev":"ready","id":<id>,...} once every command before it is done
 * End of input (the agent stopped or died) ends the helper, and with it every mark. So does the agent's death
 * (PR_SET_PDEATHSIG).
 *
 * Output lines: {"ev":"perm"|"modify"|"write",...}, {"ev":"ready",...}, {"ev":"mark_error",...},
 * {"ev":"overflow"}, {"ev":"fatal",...} (then exit 3 when fanotify is unavailable, 1 otherwise).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define OUT_MAX (1 << 20)
#define LINE_MAX_LEN 8192

static int fan = -1;

/* ---- output: a bounded buffer written without blocking ---- */

static char *out;
static size_t out_len;
static unsigned long dropped;

static void flush_out(void) {
  while (out_len > 0) {
    ssize_t n = write(STDOUT_FILENO, out, out_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      exit(0); /* the agent is gone */
    }
    memmove(out, out + n, out_len - (size_t)n);
    out_len -= (size_t)n;
  }
}

/* A line being composed; committed to `out` only if it fits. Large enough for the longest event (a PATH_MAX path
 * and a 2 KiB command line, every byte escaped); a line that still overflows is dropped whole (counted), never
 * written without its end. */
static char line[65536];
static size_t line_len;
static int line_overflow;

static void put(const char *s, size_t n) {
  if (line_overflow || line_len + n >= sizeof line - 1) {
    line_overflow = 1;
    return;
  }
  memcpy(line + line_len, s, n);
  line_len += n;
}
static void puts_(const char *s) { put(s, strlen(s)); }
static void putf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#include <stdarg.h>
static void putf(const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) put(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}
/* A JSON string (bytes >= 0x80 pass through: Linux paths are UTF-8 in practice). */
static void putjs(const char *s, size_t n) {
  put("\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      put(e, 2);
    } else if (c < 0x20) {
      putf("\\u%04x", c);
    } else
      put((const char *)&c, 1);
  }
  put("\"", 1);
}
static void begin(void) {
  line_len = 0;
  line_overflow = 0;
}
static void commit(void) {
  if (line_overflow) {
    dropped++;
    return;
  }
  line[line_len++] = '\n'; /* put() always leaves room for it */
  if (out_len + line_len > OUT_MAX) {
    dropped++;
    return;
  }
  memcpy(out + out_len, line, line_len);
  out_len += line_len;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- protected pids ---- */

static pid_t protected_pids[1024];
static int n_protected;

static void protect(pid_t pid) {
  if (pid <= 0) return;
  for (int i = 0; i < n_protected; i++)
    if (protected_pids[i] == pid) return;
  if (n_protected < (int)(sizeof protected_pids / sizeof protected_pids[0])) protected_pids[n_protected++] = pid;
}
static int is_protected(pid_t pid) {
  if (pid <= 1) return 1;
  for (int i = 0; i < n_protected; i++)
    if (protected_pids[i] == pid) return 1;
  return 0;
}

static ssize_t read_file(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t total = 0;
  while ((size_t)total < cap) {
    ssize_t n = read(fd, buf + total, cap - (size_t)total);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    total += n;
  }
  close(fd);
  return total;
}

/* Parent pid from /proc/<pid>/stat (the name may hold spaces and parentheses: parse after the last ')'). */
static pid_t parent_of(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  ssize_t n = read_file(path, buf, sizeof buf - 1);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *close_paren = strrchr(buf, ')');
  if (!close_paren) return 0;
  char state;
  int ppid = 0;
  if (sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2) return 0;
  return ppid;
}

static void protect_ancestors(void) {
  protect(getpid());
  for (pid_t p = getppid(); p > 1; p = parent_of(p)) protect(p);
}

/* ---- decoys: (device, inode) -> kill flag, open addressing ---- */

struct decoy {
  dev_t dev;
  ino_t ino;
  int used;
  int kill;
};
static struct decoy *decoys;
static size_t decoy_cap, decoy_count;

static size_t slot_of(dev_t dev, ino_t ino, size_t cap) {
  uint64_t h = (uint64_t)ino * 0x9E3779B97F4A7C15ull ^ (uint64_t)dev * 0xC2B2AE3D27D4EB4Full;
  return (size_t)(h >> 17) & (cap - 1);
}
static struct decoy *find_decoy(dev_t dev, ino_t ino) {
  if (!decoy_cap) return NULL;
  for (size_t i = slot_of(dev, ino, decoy_cap);; i = (i + 1) & (decoy_cap - 1)) {
    if (!decoys[i].used) return NULL;
    if (decoys[i].dev == dev && decoys[i].ino == ino) return &decoys[i];
  }
}
static void add_decoy(dev_t dev, ino_t ino, int kill) {
  if ((decoy_count + 1) * 2 > decoy_cap) {
    size_t cap = decoy_cap ? decoy_cap * 2 : 1024;
    struct decoy *next = calloc(cap, sizeof *next);
    if (!next) return;
    for (size_t i = 0; i < decoy_cap; i++)
      if (decoys[i].used) {
        size_t j = slot_of(decoys[i].dev, decoys[i].ino, cap);
        while (next[j].used) j = (j + 1) & (cap - 1);
        next[j] = decoys[i];
      }
    free(decoys);
    decoys = next;
    decoy_cap = cap;
  }
  struct decoy *d = find_decoy(dev, ino);
  if (d) {
    d->kill = kill;
    return;
  }
  size_t j = slot_of(dev, ino, decoy_cap);
  while (decoys[j].used) j = (j + 1) & (decoy_cap - 1);
  decoys[j] = (struct decoy){.dev = dev, .ino = ino, .used = 1, .kill = kill};
  decoy_count++;
}

/* ---- commands ---- */

static unsigned long marks, mark_errors;

static void mark_error(const char *path, int err) {
  mark_errors++;
  begin();
  puts_("{\"ev\":\"mark_error\",\"path\":");
  putjs(path, strlen(path));
  putf(",\"errno\":%d,\"error\":", err);
  const char *msg = strerror(err);
  putjs(msg, strlen(msg));
  puts_("}");
  commit();
}

static void command(char *cmd) {
  size_t len = strlen(cmd);
  if (len && cmd[len - 1] == '\r') cmd[--len] = 0;
  if (!len) return;
  if (cmd[0] == 'P' && cmd[1] == ' ') {
    protect((pid_t)atoi(cmd + 2));
  } else if (cmd[0] == 'D' && cmd[1] == ' ' && (cmd[2] == '0' || cmd[2] == '1') && cmd[3] == ' ') {
    const char *path = cmd + 4;
    int have_id = 0;
    unsigned long long want_dev = 0, want_ino = 0;
    if (*path != '/') {
      char *end;
      want_dev = strtoull(path, &end, 10);
      if (*end != ':') return mark_error(path, EINVAL);
      want_ino = strtoull(end + 1, &end, 10);
      if (*end != ' ') return mark_error(path, EINVAL);
      path = end + 1;
      have_id = 1;
    }
    struct stat st;
    if (lstat(path, &st) != 0) return mark_error(path, errno);
    if (S_ISLNK(st.st_mode)) return mark_error(path, ELOOP);
    if (!S_ISREG(st.st_mode)) return mark_error(path, EINVAL);
    if (have_id && ((unsigned long long)st.st_dev != want_dev || (unsigned long long)st.st_ino != want_ino))
      return mark_error(path, ESTALE);
    /* Never through a link: a decoy swapped for a link to a system file between lstat and here marks the link
     * itself. And the table below holds the identity checked above: only that inode is ever killed for. */
    if (fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_DONT_FOLLOW,
                      FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_MODIFY | FAN_CLOSE_WRITE, AT_FDCWD, path) != 0)
      return mark_error(path, errno);
    add_decoy(st.st_dev, st.st_ino, cmd[2] == '1');
    marks++;
  } else if (cmd[0] == 'T' && cmd[1] == ' ') {
    const char *path = cmd + 2;
    if (fanotify_mark(fan, FAN_MARK_ADD | FAN_MARK_ONLYDIR | FAN_MARK_DONT_FOLLOW,
                      FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD, AT_FDCWD, path) != 0)
      return mark_error(path, errno);
    marks++;
  } else if (cmd[0] == 'F') {
    fanotify_mark(fan, FAN_MARK_FLUSH, 0, AT_FDCWD, NULL);
    free(decoys);
    decoys = NULL;
    decoy_cap = decoy_count = 0;
    marks = mark_errors = 0;
  } else if (cmd[0] == 'G') {
    begin();
    puts_("{\"ev\":\"ready\",\"id\":");
    const char *id = cmd[1] == ' ' ? cmd + 2 : "";
    putjs(id, strlen(id));
    putf(",\"marks\":%lu,\"errors\":%lu,\"decoys\":%zu,\"pid\":%d}", marks, mark_errors, decoy_count, getpid());
    commit();
  }
}

static char in[LINE_MAX_LEN * 4];
static size_t in_len;
/* Inside a command longer than the buffer: everything up to its newline is discarded (never run as a command). */
static int in_skipping;

/* Returns 0 at end of input. */
static int read_commands(void) {
  for (;;) {
    if (in_len == sizeof in) {
      in_len = 0; /* a line longer than any path: dropped whole */
      in_skipping = 1;
    }
    ssize_t n = read(STDIN_FILENO, in + in_len, sizeof in - in_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return 1;
      return 0;
    }
    if (n == 0) return 0;
    in_len += (size_t)n;
    size_t start = 0;
    for (size_t i = 0; i < in_len; i++)
      if (in[i] == '\n') {
        in[i] = 0;
        if (!in_skipping) command(in + start);
        in_skipping = 0;
        start = i + 1;
      }
    memmove(in, in + start, in_len - start);
    in_len -= start;
  }
}

/* ---- events ---- */

/* Whether the first bytes of a file look encrypted: no known signature and close to 8 bits of entropy per byte. */
static int looks_encrypted(int fd) {
  unsigned char buf[4096];
  ssize_t n = pread(fd, buf, sizeof buf, 0);
  if (n < 512) return 0;
  static const struct {
    size_t off;
    const char *magic;
    size_t len;
  } sigs[] = {
      {0, "PK\x03\x04", 4},  {0, "%PDF", 4},          {0, "\xFF\xD8\xFF", 3}, {0, "\x89PNG", 4},
      {0, "GIF8", 4},        {0, "7z\xBC\xAF", 4},    {0, "Rar!", 4},         {0, "\x1F\x8B", 2},
      {0, "\xD0\xCF\x11\xE0", 4}, {0, "BZh", 3},      {0, "\xFD" "7zXZ", 5},  {0, "\x28\xB5\x2F\xFD", 4},
      {0, "RIFF", 4},        {0, "OggS", 4},          {0, "ID3", 3},          {0, "fLaC", 4},
      {0, "SQLite format 3", 15}, {4, "ftyp", 4},     {128, "DICM", 4},       {0, "MSCF", 4},
      {0, "II*\x00", 4},     {0, "MM\x00*", 4},       {0, "\x1A\x45\xDF\xA3", 4}, {0, "wOF", 3},
  };
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    if ((size_t)n >= sigs[i].off + sigs[i].len && memcmp(buf + sigs[i].off, sigs[i].magic, sigs[i].len) == 0)
      return 0;
  unsigned counts[256] = {0};
  for (ssize_t i = 0; i < n; i++) counts[buf[i]]++;
  double h = 0;
  for (int i = 0; i < 256; i++)
    if (counts[i]) {
      double p = (double)counts[i] / (double)n;
      h -= p * log2(p);
    }
  return h >= 7.2;
}

struct proc_info {
  char comm[64];
  char cmdline[2048];
  size_t cmdline_len;
  int uid;
  pid_t ppid;
  unsigned long long start;
};

static void describe(pid_t pid, struct proc_info *pi) {
  char path[64], buf[2048];
  memset(pi, 0, sizeof *pi);
  pi->uid = -1;
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  ssize_t n = read_file(path, buf, sizeof buf - 1);
  if (n > 0) {
    buf[n] = 0;
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    if (open_paren && close_paren && close_paren > open_paren) {
      size_t len = (size_t)(close_paren - open_paren - 1);
      if (len >= sizeof pi->comm) len = sizeof pi->comm - 1;
      memcpy(pi->comm, open_paren + 1, len);
      /* fields after ')': state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
       * cutime cstime priority nice threads itrealvalue starttime */
      char state;
      int ppid;
      unsigned long long skip, start = 0;
      if (sscanf(close_paren + 1,
                 " %c %d %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
                 &state, &ppid, &skip, &skip, &skip, &skip, &skip, &skip, &skip, &skip, &skip, &skip, &skip, &skip,
                 &skip, &skip, &skip, &skip, &skip, &start) == 20) {
        pi->ppid = ppid;
        pi->start = start;
      }
    }
  }
  snprintf(path, sizeof path, "/proc/%d/cmdline", pid);
  n = read_file(path, pi->cmdline, sizeof pi->cmdline - 1);
  if (n > 0) {
    while (n > 0 && pi->cmdline[n - 1] == 0) n--;
    for (ssize_t i = 0; i < n; i++)
      if (pi->cmdline[i] == 0) pi->cmdline[i] = ' ';
    pi->cmdline_len = (size_t)n;
  }
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  n = read_file(path, buf, sizeof buf - 1);
  if (n > 0) {
    buf[n] = 0;
    char *u = strstr(buf, "\nUid:");
    if (u) pi->uid = atoi(u + 5);
  }
}

static void respond(int fd, unsigned int answer) {
  struct fanotify_response r = {.fd = fd, .response = answer};
  while (write(fan, &r, sizeof r) < 0 && errno == EINTR) {
  }
}

static void handle(struct fanotify_event_metadata *md) {
  if (md->fd == FAN_NOFD) {
    begin();
    puts_("{\"ev\":\"overflow\"}");
    commit();
    return;
  }
  const double t = now_ms();
  const int perm = (md->mask & (FAN_OPEN_PERM | FAN_ACCESS_PERM)) != 0;
  const pid_t pid = md->pid;
  const int prot = is_protected(pid);
  struct decoy *d = NULL;
  struct stat st;
  if (!prot && fstat(md->fd, &st) == 0) d = find_decoy(st.st_dev, st.st_ino);
  int killed = 0, kill_errno = 0;
  struct proc_info pi;
  int described = 0;
  if (perm) {
    if (!prot && d && d->kill) {
      /* Freeze first, name it while its command line is still readable, then kill, then deny. */
      kill(pid, SIGSTOP);
      describe(pid, &pi);
      described = 1;
      if (kill(pid, SIGKILL) == 0)
        killed = 1;
      else
        kill_errno = errno;
      respond(md->fd, FAN_DENY);
    } else
      respond(md->fd, FAN_ALLOW);
  }
  if (prot) return;
  char link[64], path[PATH_MAX];
  snprintf(link, sizeof link, "/proc/self/fd/%d", md->fd);
  ssize_t plen = readlink(link, path, sizeof path - 1);
  if (plen < 0) plen = 0;
  path[plen] = 0;
  if (!described) describe(pid, &pi);
  begin();
  const char *ev = perm ? "perm" : (md->mask & FAN_MODIFY) ? "modify" : "write";
  putf("{\"ev\":\"%s\",\"t\":%.3f,\"pid\":%d,\"mask\":%llu,\"decoy\":%d", ev, t, pid,
       (unsigned long long)md->mask, d ? 1 : 0);
  if (d) putf(",\"inode\":\"%llu:%llu\"", (unsigned long long)d->dev, (unsigned long long)d->ino);
  if (perm) {
    putf(",\"access\":\"%s\",\"denied\":%d,\"killed\":%d", (md->mask & FAN_OPEN_PERM) ? "open" : "read",
         d && d->kill ? 1 : 0, killed);
    if (kill_errno) putf(",\"killErrno\":%d", kill_errno);
  }
  if (!perm && !d && (md->mask & FAN_CLOSE_WRITE)) putf(",\"enc\":%d", looks_encrypted(md->fd));
  puts_(",\"path\":");
  putjs(path, (size_t)plen);
  putf(",\"uid\":%d,\"ppid\":%d,\"start\":\"%llu\",\"comm\":", pi.uid, pi.ppid, pi.start);
  putjs(pi.comm, strlen(pi.comm));
  puts_(",\"cmdline\":");
  putjs(pi.cmdline, pi.cmdline_len);
  if (dropped) {
    putf(",\"dropped\":%lu", dropped);
    dropped = 0;
  }
  puts_("}");
  commit();
}

static void fatal(const char *what, int err, int code) {
  /* First of all: closing the fanotify descriptor lets the kernel allow every pending permission event, so no
   * process waits on us while the message below is written (which may block). */
  if (fan >= 0) {
    close(fan);
    fan = -1;
  }
  begin();
  puts_("{\"ev\":\"fatal\",\"what\":");
  putjs(what, strlen(what));
  putf(",\"errno\":%d,\"error\":", err);
  const char *msg = strerror(err);
  putjs(msg, strlen(msg));
  puts_("}");
  commit();
  fcntl(STDOUT_FILENO, F_SETFL, fcntl(STDOUT_FILENO, F_GETFL) & ~O_NONBLOCK);
  flush_out();
  exit(code);
}

int main(void) {
  out = malloc(OUT_MAX);
  if (!out) return 1;
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) return 0; /* the agent died before we got here */
  protect_ancestors();
  fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
  if (fan < 0) fatal("fanotify_init", errno, (errno == EPERM || errno == ENOSYS || errno == EINVAL) ? 3 : 1);
  fcntl(STDIN_FILENO, F_SETFL, fcntl(STDIN_FILENO, F_GETFL) | O_NONBLOCK);
  fcntl(STDOUT_FILENO, F_SETFL, fcntl(STDOUT_FILENO, F_GETFL) | O_NONBLOCK);
  static char events[64 * 1024] __attribute__((aligned(8)));
  int input_open = 1;
  while (input_open) {
    struct pollfd p[3] = {
        {.fd = fan, .events = POLLIN},
        {.fd = STDIN_FILENO, .events = POLLIN},
        {.fd = STDOUT_FILENO, .events = out_len ? POLLOUT : 0},
    };
    if (poll(p, 3, -1) < 0) {
      if (errno == EINTR) continue;
      fatal("poll", errno, 1);
    }
    if (p[0].revents & POLLIN) {
      for (;;) {
        ssize_t n = read(fan, events, sizeof events);
        if (n < 0) {
          if (errno == EINTR) continue;
          if (errno == EAGAIN) break;
          fatal("read", errno, 1);
        }
        struct fanotify_event_metadata *md = (struct fanotify_event_metadata *)events;
        for (; FAN_EVENT_OK(md, n); md = FAN_EVENT_NEXT(md, n)) {
          if (md->vers != FANOTIFY_METADATA_VERSION) fatal("metadata version", EPROTO, 1);
          handle(md);
          if (md->fd >= 0) close(md->fd);
        }
      }
    }
    if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) input_open = read_commands();
    if (out_len) flush_out();
  }
  return 0;
}
