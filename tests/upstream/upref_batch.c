// SPDX-License-Identifier: MIT
/* Checking a batch-sync body against the wire contract (see upref_batch.h). */
#include "upref_batch.h"
#include "uuid.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UPREF_TEXT_MAX 200 /* ids, codes and names: anything longer is a sender bug */

static const char *const upref_kinds[] = {"sale",	 "refund",   "void",
					  "cashSession", "customer", "stockMovement"};

enum upref_null { UPREF_NOT_NULL, UPREF_NULL_OK };

/* The record's field name for messages: "records[3].kind". */
static void upref_field_name(char *out, size_t outlen, long index, const char *name)
{
	if (index < 0)
		snprintf(out, outlen, "%s", name);
	else
		snprintf(out, outlen, "records[%ld].%s", index, name);
}

static int upref_is_hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return i == 64;
}

/*
 * upref_get: the member `name` of `obj`, which must be present. With
 * UPREF_NULL_OK a JSON null is returned as NULL in *value.
 */
static int upref_get(json_t *obj, long index, const char *name, enum upref_null null_ok,
		     json_t **value, struct upref_error *err)
{
	char field[UPREF_FIELD_MAX];
	json_t *v = json_object_get(obj, name);

	upref_field_name(field, sizeof(field), index, name);
	*value = NULL;
	if (!v)
		return upref_error_set(err, 400, "missing-field", field, "%s is missing", field);
	if (json_is_null(v)) {
		if (null_ok == UPREF_NULL_OK)
			return 0;
		return upref_error_set(err, 400, "bad-field", field, "%s must not be null", field);
	}
	*value = v;
	return 0;
}

/* A string member; "uuid" checks the 8-4-4-4-12 text form, "hex64" a SHA-256 in hex. */
static int upref_get_string(json_t *obj, long index, const char *name, enum upref_null null_ok,
			    const char *form, const char **out, struct upref_error *err)
{
	char field[UPREF_FIELD_MAX];
	uint8_t uuid[UUID_LEN];
	const char *s;
	json_t *v;
	int rc;

	*out = NULL;
	rc = upref_get(obj, index, name, null_ok, &v, err);
	if (rc < 0 || !v)
		return rc;
	upref_field_name(field, sizeof(field), index, name);
	if (!json_is_string(v))
		return upref_error_set(err, 400, "bad-field", field, "%s must be a string%s", field,
				       null_ok == UPREF_NULL_OK ? " or null" : "");
	s = json_string_value(v);
	if (!s[0] || strlen(s) > UPREF_TEXT_MAX)
		return upref_error_set(err, 400, "bad-field", field,
				       "%s must hold 1 to %d characters", field, UPREF_TEXT_MAX);
	if (form && !strcmp(form, "uuid") && uuid_parse(s, uuid) < 0)
		return upref_error_set(err, 400, "bad-field", field,
				       "%s \"%s\" is not a UUID (8-4-4-4-12 hex digits)", field, s);
	if (form && !strcmp(form, "hex64") && !upref_is_hex64(s))
		return upref_error_set(err, 400, "bad-field", field,
				       "%s must be a SHA-256 in 64 hex digits", field);
	*out = s;
	return 0;
}

/* An integer member, at least 0; *present is 0 for an allowed null. */
static int upref_get_count(json_t *obj, long index, const char *name, enum upref_null null_ok,
			   int64_t *out, int *present, struct upref_error *err)
{
	char field[UPREF_FIELD_MAX];
	json_t *v;
	int rc;

	*out = 0;
	if (present)
		*present = 0;
	rc = upref_get(obj, index, name, null_ok, &v, err);
	if (rc < 0 || !v)
		return rc;
	upref_field_name(field, sizeof(field), index, name);
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return upref_error_set(err, 400, "bad-field", field,
				       "%s must be an integer, 0 or more%s", field,
				       null_ok == UPREF_NULL_OK ? ", or null" : "");
	*out = json_integer_value(v);
	if (present)
		*present = 1;
	return 0;
}

/*
 * Money never travels as a real (DESIGN.md, guarantee 5): look for a member
 * named "total" holding a real anywhere under `v`, and write its dot path.
 */
static int upref_find_real_total(json_t *v, const char *path, char *out, size_t outlen)
{
	char sub[UPREF_FIELD_MAX];
	const char *key;
	json_t *child;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, key, child)
		{
			snprintf(sub, sizeof(sub), "%s.%s", path, key);
			if (!strcmp(key, "total") && json_is_real(child)) {
				snprintf(out, outlen, "%s", sub);
				return 1;
			}
			if (upref_find_real_total(child, sub, out, outlen))
				return 1;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
		{
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			if (upref_find_real_total(child, sub, out, outlen))
				return 1;
		}
	}
	return 0;
}

static int upref_record_parse(json_t *rec, long i, struct upref_record *r, struct upref_error *err)
{
	char field[UPREF_FIELD_MAX];
	const char *unused;
	json_t *payload, *total;
	int64_t n;
	size_t k;
	int rc;

	upref_field_name(field, sizeof(field), -1, "records");
	if (!json_is_object(rec))
		return upref_error_set(err, 400, "bad-field", field,
				       "records[%ld] must be an object", i);
	r->json = rec;
	rc = upref_get_string(rec, i, "id", UPREF_NOT_NULL, "uuid", &r->id, err);
	if (rc == 0)
		rc = upref_get_string(rec, i, "kind", UPREF_NOT_NULL, NULL, &r->kind, err);
	if (rc < 0)
		return rc;
	for (k = 0; k < sizeof(upref_kinds) / sizeof(upref_kinds[0]); k++)
		if (!strcmp(r->kind, upref_kinds[k]))
			break;
	if (k == sizeof(upref_kinds) / sizeof(upref_kinds[0])) {
		upref_field_name(field, sizeof(field), i, "kind");
		return upref_error_set(err, 400, "bad-field", field,
				       "%s \"%s\" is not one of sale, refund, void, cashSession, "
				       "customer, stockMovement",
				       field, r->kind);
	}
	rc = upref_get_string(rec, i, "terminalId", UPREF_NOT_NULL, NULL, &unused, err);
	if (rc == 0)
		rc = upref_get_string(rec, i, "terminal", UPREF_NOT_NULL, NULL, &r->terminal, err);
	if (rc == 0)
		rc = upref_get_string(rec, i, "receipt", UPREF_NULL_OK, NULL, &r->receipt, err);
	if (rc == 0)
		rc = upref_get_count(rec, i, "sequence", UPREF_NULL_OK, &n, NULL, err);
	if (rc == 0)
		rc = upref_get_string(rec, i, "prevHash", UPREF_NULL_OK, "hex64", &unused, err);
	if (rc == 0)
		rc = upref_get_string(rec, i, "hash", UPREF_NULL_OK, "hex64", &unused, err);
	if (rc == 0)
		rc = upref_get_count(rec, i, "deviceAt", UPREF_NOT_NULL, &n, NULL, err);
	if (rc == 0)
		rc = upref_get_count(rec, i, "hubAt", UPREF_NOT_NULL, &n, NULL, err);
	if (rc == 0)
		rc = upref_get_count(rec, i, "hubSeq", UPREF_NOT_NULL, &n, NULL, err);
	if (rc == 0)
		rc = upref_get_string(rec, i, "dependsOn", UPREF_NULL_OK, "uuid", &r->depends_on,
				      err);
	if (rc == 0)
		rc = upref_get(rec, i, "payload", UPREF_NOT_NULL, &payload, err);
	if (rc < 0)
		return rc;
	if (!json_is_object(payload)) {
		upref_field_name(field, sizeof(field), i, "payload");
		return upref_error_set(err, 400, "bad-field", field, "%s must be an object", field);
	}
	total = json_object_get(payload, "total");
	if (json_is_integer(total)) {
		r->has_total = 1;
		r->total = json_integer_value(total);
	}
	upref_find_real_total(payload, "payload", r->real_money_path, sizeof(r->real_money_path));
	return 0;
}

static int upref_batch_check_ids(const struct upref_batch *b, struct upref_error *err)
{
	char field[UPREF_FIELD_MAX];

	/* n is at most 1000: comparing every pair is half a million strcmp, fine. */
	for (size_t i = 1; i < b->n; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcasecmp(b->records[i].id, b->records[j].id)) {
				upref_field_name(field, sizeof(field), (long)i, "id");
				return upref_error_set(err, 400, "duplicate-id", field,
						       "%s repeats records[%zu].id (%s): send each "
						       "record once per batch",
						       field, j, b->records[i].id);
			}
	return 0;
}

int upref_batch_parse(const char *body, size_t len, struct upref_batch **out,
		      struct upref_error *err)
{
	struct upref_batch *b = NULL;
	json_error_t jerr;
	json_t *records, *version;
	const char *text;
	int64_t n;
	int rc;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!b->root) {
		rc = upref_error_set(err, 400, "bad-json", NULL,
				     "the body is not JSON: %s (line %d, column %d)", jerr.text,
				     jerr.line, jerr.column);
		goto fail;
	}
	if (!json_is_object(b->root)) {
		rc = upref_error_set(err, 400, "bad-json", NULL, "the body must be a JSON object");
		goto fail;
	}
	rc = upref_get(b->root, -1, "apiVersion", UPREF_NOT_NULL, &version, err);
	if (rc < 0)
		goto fail;
	if (!json_is_integer(version) || json_integer_value(version) != UPREF_API_VERSION) {
		rc = upref_error_set(err, 400, "unsupported-api-version", "apiVersion",
				     "apiVersion must be the integer %d", UPREF_API_VERSION);
		goto fail;
	}
	rc = upref_get_string(b->root, -1, "storeId", UPREF_NOT_NULL, NULL, &text, err);
	if (rc == 0)
		rc = upref_get_string(b->root, -1, "hubId", UPREF_NOT_NULL, NULL, &text, err);
	if (rc == 0)
		rc = upref_get_string(b->root, -1, "batchId", UPREF_NOT_NULL, "uuid", &b->batch_id,
				      err);
	if (rc == 0)
		rc = upref_get_count(b->root, -1, "sentAt", UPREF_NOT_NULL, &n, NULL, err);
	if (rc == 0)
		rc = upref_get(b->root, -1, "records", UPREF_NOT_NULL, &records, err);
	if (rc < 0)
		goto fail;
	if (!json_is_array(records) || json_array_size(records) == 0) {
		rc = upref_error_set(err, 400, "bad-field", "records",
				     "records must be an array of 1 to %d records",
				     UPREF_MAX_RECORDS);
		goto fail;
	}
	b->n = json_array_size(records);
	if (b->n > UPREF_MAX_RECORDS) {
		rc = upref_error_set(err, 413, "too-many-records", "records",
				     "records holds %zu records; send at most %d per batch", b->n,
				     UPREF_MAX_RECORDS);
		goto fail;
	}
	b->records = calloc(b->n, sizeof(*b->records));
	if (!b->records) {
		rc = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < b->n; i++) {
		rc = upref_record_parse(json_array_get(records, i), (long)i, &b->records[i], err);
		if (rc < 0)
			goto fail;
	}
	rc = upref_batch_check_ids(b, err);
	if (rc < 0)
		goto fail;
	*out = b;
	return 0;
fail:
	upref_batch_free(b);
	return rc;
}

void upref_batch_free(struct upref_batch *b)
{
	if (!b)
		return;
	json_decref(b->root);
	free(b->records);
	free(b);
}

char *upref_record_canonical(const struct upref_record *r)
{
	return json_dumps(r->json, JSON_COMPACT | JSON_SORT_KEYS);
}

json_t *upref_json_path(json_t *root, const char *path)
{
	char dotted[UPREF_FIELD_MAX], segment[UPREF_FIELD_MAX];
	const char *p = dotted;
	json_t *v = root;
	size_t n = 0;

	/* "lines[0].sku" is read as "lines.0.sku", the form docs/protocol.md prints. */
	for (const char *c = path; *c; c++) {
		if (*c == ']')
			continue;
		if (n + 1 >= sizeof(dotted))
			return NULL;
		dotted[n++] = *c == '[' ? '.' : *c;
	}
	dotted[n] = '\0';
	while (v && *p) {
		const char *dot = strchr(p, '.');
		char *end;

		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0)
			return NULL;
		memcpy(segment, p, n);
		segment[n] = '\0';
		if (json_is_array(v) && isdigit((unsigned char)segment[0])) {
			unsigned long index = strtoul(segment, &end, 10);

			v = *end ? NULL : json_array_get(v, index);
		} else {
			v = json_object_get(v, segment);
		}
		p += n;
		if (*p == '.')
			p++;
	}
	return v;
}
