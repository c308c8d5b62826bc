/* SPDX-License-Identifier: MIT
 * heaptag_flags.h - the tagging and heap checking flags, GFlags' names and values.
 *
 * One list generates the enum, the abbreviations and the help text for both the
 * shim and the tool: add a flag here and nowhere else.
 */
#ifndef HEAPTAG_FLAGS_H
#define HEAPTAG_FLAGS_H

/* abbr, value, description (GFlags' words), short help for the usage text.
 * The order is the order help and error messages name them in; listings and
 * settings files show set bits by value. */
#define HT_FLAG_LIST(X)                                                              \
    X(ptg, 0x00000400u, "Enable pool tagging", "pool tagging")                       \
    X(ust, 0x00001000u, "Create user mode stack trace database", "stack traces")     \
    X(htc, 0x00000010u, "Enable heap tail checking", "tail checking")                \
    X(hfc, 0x00000020u, "Enable heap free checking", "free checking")                \
    X(hpc, 0x00000040u, "Enable heap parameter checking", "parameter checking")      \
    X(htd, 0x00008000u, "Enable heap tagging by DLL", "tagging by DLL")

enum ht_flag {
#define HT_FLAG_ENUM(abbr, value, text, help) HT_FLAG_##abbr = value,
    HT_FLAG_LIST(HT_FLAG_ENUM)
#undef HT_FLAG_ENUM
};

/* Every bit some flag has. */
#define HT_FLAG_OR(abbr, value, text, help) | value
#define HT_FLAG_ALL (0u HT_FLAG_LIST(HT_FLAG_OR))

/* "ptg ust htc hfc hpc htd": the abbreviations, for messages. */
#define HT_FLAG_WORD(abbr, value, text, help) " " #abbr
#define HT_FLAG_NAMES (&(HT_FLAG_LIST(HT_FLAG_WORD))[1])

#define HT_FLAGS_DEFAULT HT_FLAG_ptg

/* Not a GFlags flag: set in the shim's own flags word until it has started. */
#define HT_FLAG_INTERNAL_PENDING 0x80000000u

#endif /* HEAPTAG_FLAGS_H */
