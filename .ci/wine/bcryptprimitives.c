/* ProcessPrng for Wine 8.0, which lacks it: Rust's standard library on windows-gnu imports it from
 * bcryptprimitives.dll, so without it no Rust executable starts (status c0000135). It fills the buffer from
 * advapi32's RtlGenRandom (SystemFunction036), which Wine has. Built by .ci/wine/run, placed beside the
 * executables it runs; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
