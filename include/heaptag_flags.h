/*
 * heaptag_flags.h - the tagging and heap checking flags, GFlags' names and values.
 *
 * One list generates the enum, the abbreviations and the help text for both the
 * shim and the tool: add a flag here and nowhere else.
 */
#ifndef HEAPTAG_FLAGS_H
#define HEAPTAG_FLAGS_H

/*        abbr  value       description */
#define HT_FLAG_LIST(X)                                                              \
    X(htc, 0x00000010u, "Enable heap tail checking")                                 \
    X(hfc, 0x00000020u, "Enable heap free checking")                                 \
    X(hpc, 0x00000040u, "Enable heap parameter checking")                            \
    X(ptg, 0x00000400u, "Enable pool tagging")                                       \
    X(ust, 0x00001000u, "Create user mode stack trace database")                     \
    X(htd, 0x00008000u, "Enable heap tagging by DLL")

enum ht_flag {
#define HT_FLAG_ENUM(abbr, value, text) HT_FLAG_##abbr = value,
    HT_FLAG_LIST(HT_FLAG_ENUM)
#undef HT_FLAG_ENUM
};

#define HT_FLAG_ALL (HT_FLAG_htc | HT_FLAG_hfc | HT_FLAG_hpc | HT_FLAG_ptg | \
                     HT_FLAG_ust | HT_FLAG_htd)
#define HT_FLAGS_DEFAULT HT_FLAG_ptg

/* Not a GFlags flag: set in the shim's own flags word until it has started. */
#define HT_FLAG_INTERNAL_PENDING 0x80000000u

#endif /* HEAPTAG_FLAGS_H */
