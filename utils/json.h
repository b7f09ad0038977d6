/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef KHSMCTL_JSON_H
#define KHSMCTL_JSON_H

#include <stdio.h>

void json_string(FILE *f, const char *s);

#endif /* KHSMCTL_JSON_H */
