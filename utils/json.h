/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KHSMCTL_JSON_H
#define KHSMCTL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void json_string(FILE *f, const char *s);
void json_key(FILE *f, bool *first, const char *key);
void json_hex(FILE *f, const uint8_t *p, size_t len);
void json_uint(FILE *f, bool present, unsigned long long v);
void json_bool(FILE *f, bool v);

#endif /* KHSMCTL_JSON_H */
