#ifndef PRETEXT_CLIBFUZZER_H
#define PRETEXT_CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, for a program with its own `main` (LLVM's FuzzerInterface.h): parses
/// the libFuzzer flags in argv and runs `callback` on every input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
