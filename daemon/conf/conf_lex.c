/*
 * conf_lex.c - keepalived.conf bytes -> tokens -> a tree of statements.
 *
 * The syntax, as keepalived.conf(5) users write it:
 *  - a statement is a keyword and its arguments, ended by the end of line;
 *  - '#' and '!' start a comment anywhere outside double quotes;
 *  - "double quotes" make one word of text with blanks (script lines);
 *  - '{' and '}' are tokens of their own even when glued to a word, and a
 *    block's '{' may be on the keyword's line or on a following one;
 *  - `include PATTERN` splices the files matched by glob(3) in its place.
 * Input is untrusted (it is fuzzed): the buffer is not NUL-terminated, work
 * is linear in its size, nesting and include depth are bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf_int.h"

enum tok_type { T_WORD, T_LBRACE, T_RBRACE, T_EOF };

struct tok {
	char *text;            /* T_WORD: owned until moved into a node */
	int line;
	unsigned char type;
	bool bol;              /* first token of its line */
};

struct toks {
	struct tok *v;
	size_t n;
};

const char *conf_ctx_add_file(struct conf_ctx *x, const char *name)
{
	if (x->n_files == x->cap_files) {
		x->cap_files = x->cap_files ? 2 * x->cap_files : 4;
		x->files = conf_xrealloc(x->files, x->cap_files * sizeof(*x->files));
	}
	x->files[x->n_files] = conf_xstrdup(name);
	return x->files[x->n_files++];
}

/* ------------------------------------------------------------------ */
/* Tokens                                                               */

/* Unicode blanks that web pages put in pasted configs (seed 001 indents
 * with U+00A0): treat them as the blanks they look like.  Returns the
 * length of the sequence at s, 0 if there is none. */
static size_t unicode_blank(const unsigned char *s, size_t left)
{
	if (left >= 2 && s[0] == 0xc2 && s[1] == 0xa0)
		return 2;                                   /* U+00A0 */
	if (left < 3)
		return 0;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;                                   /* U+3000 */
	if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] <= 0x8b || s[2] == 0xaf))
		return 3;                                   /* U+2000..200B, U+202F */
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;                                   /* U+205F */
	if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		return 3;                                   /* U+FEFF, a BOM */
	return 0;
}

static bool ascii_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void push_tok(struct toks *ts, enum tok_type type, int line, bool bol, char *text)
{
	struct tok *t = conf_push(&ts->v, &ts->n, sizeof(*t));

	t->type = (unsigned char)type;
	t->line = line;
	t->bol = bol;
	t->text = text;
}

struct wbuf {
	char *p;
	size_t n, cap;
};

static void wbuf_add(struct wbuf *w, char c)
{
	if (w->n + 1 >= w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		w->p = conf_xrealloc(w->p, w->cap);
	}
	w->p[w->n++] = c;
}

static void tokenize(struct conf_ctx *x, const char *file, const char *buf, size_t len,
		     struct toks *ts)
{
	const unsigned char *s = (const unsigned char *)buf;
	struct wbuf w = { 0 };
	size_t i = 0, k;
	int line = 1;
	bool bol = true, nul_seen = false;

	while (i < len) {
		unsigned char c = s[i];

		if (c == '\n') {
			line++;
			bol = true;
			i++;
			continue;
		}
		if (ascii_blank(c)) {
			i++;
			continue;
		}
		if ((k = unicode_blank(s + i, len - i)) > 0) {
			i += k;
			continue;
		}
		if (c == '\0') {
			if (!nul_seen)
				conf_err(x, &(struct conf_loc){ file, line },
					 "a NUL byte in the configuration: this is not a text "
					 "file; remove the binary data");
			nul_seen = true;
			i++;
			continue;
		}
		if (c == '#' || c == '!') {
			while (i < len && s[i] != '\n')
				i++;
			continue;
		}
		if (c == '{' || c == '}') {
			push_tok(ts, c == '{' ? T_LBRACE : T_RBRACE, line, bol, NULL);
			bol = false;
			i++;
			continue;
		}

		/* A word, which may hold "quoted parts" with blanks and the
		 * comment and brace characters in them. */
		w.n = 0;
		while (i < len) {
			c = s[i];
			if (c == '"') {
				int qline = line;

				i++;
				while (i < len && s[i] != '"' && s[i] != '\n' &&
				       !(s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')) {
					if (s[i] == '\0') {
						if (!nul_seen)
							conf_err(x, &(struct conf_loc){ file, line },
								 "a NUL byte in the configuration: this is "
								 "not a text file; remove the binary data");
						nul_seen = true;
					} else {
						wbuf_add(&w, (char)s[i]);
					}
					i++;
				}
				if (i < len && s[i] == '"')
					i++;
				else
					conf_err(x, &(struct conf_loc){ file, qline },
						 "unterminated quoted string: add the closing '\"' "
						 "on the same line");
				continue;
			}
			if (c == '\n' || c == '\0' || c == '#' || c == '!' || c == '{' ||
			    c == '}' || ascii_blank(c) || unicode_blank(s + i, len - i))
				break;
			wbuf_add(&w, (char)c);
			i++;
		}
		{
			char *text = conf_xmalloc(w.n + 1);

			if (w.n)
				memcpy(text, w.p, w.n);
			text[w.n] = '\0';
			push_tok(ts, T_WORD, line, bol, text);
		}
		bol = false;
	}
	/* EOF carries the number of the last line, for "the file ends at". */
	push_tok(ts, T_EOF, len && s[len - 1] == '\n' ? line - 1 : line, true, NULL);
	free(w.p);
}

static void toks_free(struct toks *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		free(ts->v[i].text);
	free(ts->v);
	ts->v = NULL;
	ts->n = 0;
}

/* ------------------------------------------------------------------ */
/* Tree                                                                 */

struct tb {
	struct conf_ctx *x;
	const char *file;
	struct tok *t;
	size_t i;
};

void conf_tree_free(struct cnode *n)
{
	for (size_t i = 0; i < n->n_w; i++)
		free(n->w[i]);
	free(n->w);
	for (size_t i = 0; i < n->n_kids; i++)
		conf_tree_free(&n->kids[i]);
	free(n->kids);
	memset(n, 0, sizeof(*n));
}

static struct cnode *add_kid(struct cnode *parent)
{
	if (parent->n_kids == parent->cap_kids) {
		parent->cap_kids = parent->cap_kids ? 2 * parent->cap_kids : 4;
		parent->kids = conf_xrealloc(parent->kids, parent->cap_kids * sizeof(*parent->kids));
	}
	memset(&parent->kids[parent->n_kids], 0, sizeof(parent->kids[0]));
	return &parent->kids[parent->n_kids++];
}

static const char *opener_name(const struct cnode *n)
{
	return n->n_w ? n->w[0] : "{";
}

/* Too deep: step over the block without building it (and without
 * recursion, whatever the input). */
static void skip_block(struct tb *b, const struct cnode *opener)
{
	size_t level = 1;

	for (;;) {
		struct tok *t = &b->t[b->i];

		if (t->type == T_EOF) {
			conf_err(b->x, &opener->loc,
				 "block '%s' opened here is not closed: add the missing '}' "
				 "(the file ends at line %d)",
				 conf_show(b->x, opener_name(opener)), t->line);
			return;
		}
		b->i++;
		if (t->type == T_LBRACE)
			level++;
		else if (t->type == T_RBRACE && --level == 0)
			return;
	}
}

static void parse_seq(struct tb *b, struct cnode *parent, int depth, const struct cnode *opener);
static void do_include(struct tb *b, struct cnode *parent, int depth, const struct cnode *inc);

static void open_block(struct tb *b, struct cnode *nd, int depth)
{
	b->i++;                                 /* the '{' */
	nd->has_block = true;
	if (depth >= CONF_MAX_NEST) {
		conf_err(b->x, &nd->loc,
			 "blocks nested more than %d deep: '%s' and everything in it is "
			 "ignored; close the blocks that were left open",
			 CONF_MAX_NEST, conf_show(b->x, opener_name(nd)));
		skip_block(b, nd);
		return;
	}
	parse_seq(b, nd, depth + 1, nd);
}

static void parse_stmt(struct tb *b, struct cnode *parent, int depth)
{
	struct tok *t = &b->t[b->i];
	struct cnode nd = { 0 };
	size_t cap = 0;

	nd.loc.file = b->file;
	nd.loc.line = t->line;
	nd.brace_line = !t->bol;
	do {
		if (nd.n_w == cap) {
			cap = cap ? 2 * cap : 4;
			nd.w = conf_xrealloc(nd.w, cap * sizeof(*nd.w));
		}
		nd.w[nd.n_w++] = t->text;
		t->text = NULL;
		t = &b->t[++b->i];
	} while (t->type == T_WORD && !t->bol);

	if (t->type == T_RBRACE && !t->bol)
		nd.brace_line = true;           /* "auth_pass 1111 }" */
	else if (t->type == T_LBRACE)
		open_block(b, &nd, depth);      /* same line or a following one */

	if (strcmp(nd.w[0], "include") == 0) {
		do_include(b, parent, depth, &nd);
		conf_tree_free(&nd);
		return;
	}
	*add_kid(parent) = nd;
}

/* The statements of one block (opener != NULL, ends at its '}') or of one
 * whole file (opener == NULL, ends at end of file). */
static void parse_seq(struct tb *b, struct cnode *parent, int depth, const struct cnode *opener)
{
	for (;;) {
		struct tok *t = &b->t[b->i];

		switch (t->type) {
		case T_EOF:
			if (opener)
				conf_err(b->x, &opener->loc,
					 "block '%s' opened here is not closed: add the missing '}' "
					 "(the file ends at line %d)",
					 conf_show(b->x, opener_name(opener)), t->line);
			return;
		case T_RBRACE:
			b->i++;
			if (opener)
				return;
			conf_err(b->x, &(struct conf_loc){ b->file, t->line },
				 "unmatched '}': no block is open here; remove it or add the "
				 "block's opening line");
			break;
		case T_LBRACE: {
			struct cnode anon = { 0 };

			anon.loc.file = b->file;
			anon.loc.line = t->line;
			conf_err(b->x, &anon.loc,
				 "'{' without a keyword before it: write the block's keyword "
				 "(e.g. 'vrrp_instance NAME {'); the block is ignored");
			open_block(b, &anon, depth);
			conf_tree_free(&anon);
			break;
		}
		default:
			parse_stmt(b, parent, depth);
			break;
		}
	}
}

/* Read a whole file; its size is bounded so a wrong path (a device, a
 * huge log) cannot eat the memory. */
static char *slurp(const char *path, size_t *len, int *err)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*err = errno;
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap >= CONF_MAX_FILE_SIZE) {
				*err = EFBIG;
				goto fail;
			}
			cap = cap ? 2 * cap : 16384;
			buf = conf_xrealloc(buf, cap);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*err = errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf ? buf : conf_xmalloc(1);
fail:
	close(fd);
	free(buf);
	return NULL;
}

static void build(struct conf_ctx *x, const char *file, const char *buf, size_t len,
		  struct cnode *parent, int depth)
{
	struct toks ts = { 0 };
	struct tb b = { .x = x, .file = file };

	tokenize(x, file, buf, len, &ts);
	b.t = ts.v;
	parse_seq(&b, parent, depth, NULL);
	toks_free(&ts);
}

static bool push_inc(struct conf_ctx *x, const struct stat *st)
{
	for (int k = 0; k < x->include_depth + 1 && k < CONF_MAX_INCLUDE_DEPTH + 2; k++)
		if (x->inc_stack[k].dev == st->st_dev && x->inc_stack[k].ino == st->st_ino &&
		    x->inc_stack[k].ino != 0)
			return false;
	x->include_depth++;
	x->inc_stack[x->include_depth].dev = st->st_dev;
	x->inc_stack[x->include_depth].ino = st->st_ino;
	return true;
}

static void include_one(struct tb *b, struct cnode *parent, int depth, const char *path,
			const struct conf_loc *loc, bool from_glob)
{
	struct conf_ctx *x = b->x;
	struct stat st;
	size_t len;
	char *buf;
	int err = 0;

	if (stat(path, &st) < 0) {
		conf_err(x, loc, "include '%s': %s; check the path (a relative path is "
			 "relative to the directory of the including file)",
			 conf_show_path(x, path), strerror(errno));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (from_glob)
			conf_warn(x, loc, "include: '%s' is a directory, skipped",
				  conf_show_path(x, path));
		else
			conf_err(x, loc, "include '%s' is a directory: include its files "
				 "with a pattern such as '%s/*.conf'",
				 conf_show_path(x, path), conf_show_path(x, path));
		return;
	}
	if (!push_inc(x, &st)) {
		conf_err(x, loc, "include loop: '%s' is already being read; remove this "
			 "include", conf_show_path(x, path));
		return;
	}
	buf = slurp(path, &len, &err);
	if (!buf) {
		conf_err(x, loc, "include '%s': cannot read it: %s",
			 conf_show_path(x, path), strerror(err));
	} else {
		build(x, conf_ctx_add_file(x, path), buf, len, parent, depth);
		free(buf);
	}
	x->include_depth--;
}

static void do_include(struct tb *b, struct cnode *parent, int depth, const struct cnode *inc)
{
	struct conf_ctx *x = b->x;
	const char *pat, *slash;
	char *full;

	if (x->flags & CONF_NO_INCLUDE) {
		conf_err(x, &inc->loc, "'include' is not allowed here (this configuration "
			 "is read with includes disabled): put the included text in its "
			 "place");
		return;
	}
	if (inc->n_w != 2 || inc->has_block) {
		conf_err(x, &inc->loc, "include takes one file name or glob pattern: "
			 "write 'include /etc/vigil/conf.d/*.conf'");
		return;
	}
	if (x->include_depth >= CONF_MAX_INCLUDE_DEPTH) {
		conf_err(x, &inc->loc, "includes nested more than %d files deep: is "
			 "there an include loop? ('include %s')",
			 CONF_MAX_INCLUDE_DEPTH, conf_show(x, inc->w[1]));
		return;
	}
	pat = inc->w[1];
	slash = strrchr(b->file, '/');
	if (pat[0] != '/' && slash) {
		size_t dl = (size_t)(slash - b->file), pl = strlen(pat);

		full = conf_xmalloc(dl + 1 + pl + 1);
		memcpy(full, b->file, dl);
		full[dl] = '/';
		memcpy(full + dl + 1, pat, pl + 1);
	} else {
		full = conf_xstrdup(pat);
	}

	if (strpbrk(full, "*?[")) {
		glob_t g;
		int r = glob(full, 0, NULL, &g);

		if (r == GLOB_NOMATCH)
			conf_warn(x, &inc->loc, "include '%s' matches no file; nothing is "
				  "included", conf_show_path(x, full));
		else if (r != 0)
			conf_err(x, &inc->loc, "include '%s': the pattern cannot be "
				 "expanded (%s)", conf_show_path(x, full),
				 r == GLOB_NOSPACE ? "out of memory" : "read error");
		else
			for (size_t k = 0; k < g.gl_pathc; k++)
				include_one(b, parent, depth, g.gl_pathv[k], &inc->loc, true);
		if (r == 0)
			globfree(&g);
	} else {
		include_one(b, parent, depth, full, &inc->loc, false);
	}
	free(full);
}

void conf_tree_buffer(struct conf_ctx *x, const char *name, const char *buf, size_t len,
		      struct cnode *root)
{
	build(x, conf_ctx_add_file(x, name), buf, len, root, 0);
}

bool conf_tree_file(struct conf_ctx *x, const char *path, struct cnode *root)
{
	struct stat st;
	size_t len;
	char *buf;
	int err = 0;

	if (stat(path, &st) < 0) {
		conf_err(x, NULL, "cannot read the configuration file '%s': %s",
			 conf_show_path(x, path), strerror(errno));
		return false;
	}
	if (S_ISDIR(st.st_mode)) {
		conf_err(x, NULL, "'%s' is a directory, not a configuration file",
			 conf_show_path(x, path));
		return false;
	}
	buf = slurp(path, &len, &err);
	if (!buf) {
		conf_err(x, NULL, "cannot read the configuration file '%s': %s",
			 conf_show_path(x, path), strerror(err));
		return false;
	}
	x->include_depth = 0;
	x->inc_stack[0].dev = st.st_dev;
	x->inc_stack[0].ino = st.st_ino;
	build(x, conf_ctx_add_file(x, path), buf, len, root, 0);
	free(buf);
	return true;
}
