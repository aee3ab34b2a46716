# Cross toolchain for the implant's microcontroller: a Cortex-M4 (Thumb-2, no FPU used), Debian's
# arm-none-eabi-gcc with picolibc (packages gcc-arm-none-eabi, picolibc-arm-none-eabi,
# libstdc++-arm-none-eabi-picolibc). Used by the `cortex-m4` preset (CMakePresets.json).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR cortex-m4)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "")
set(CMAKE_NM arm-none-eabi-nm CACHE FILEPATH "")
# A bare-metal compiler cannot link a test program without a linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Code size first (-Os), each function and object in its own section so the linker drops what
# nothing calls; -fstack-usage for the footprint report's largest frames and, for C++,
# -fcallgraph-info=su (each function's frame and calls, in a .ci file beside its object) for its
# static bound on the deepest stack (scripts/stack_bound.py). ccache 4.7 does not restore .ci
# files, so C++ is compiled without it here (CMakeLists.txt: ITDD_CALLGRAPH_INFO).
set(ITDD_TARGET_ARCH_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=soft --specs=picolibcpp.specs")
set(CMAKE_C_FLAGS_INIT "${ITDD_TARGET_ARCH_FLAGS} -ffunction-sections -fdata-sections -fstack-usage")
set(CMAKE_CXX_FLAGS_INIT "${ITDD_TARGET_ARCH_FLAGS} -ffunction-sections -fdata-sections -fstack-usage -fcallgraph-info=su -fno-threadsafe-statics")
set(ITDD_CALLGRAPH_INFO ON)
set(CMAKE_ASM_FLAGS_INIT "${ITDD_TARGET_ARCH_FLAGS}")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os -DNDEBUG")
set(CMAKE_CXX_FLAGS_MINSIZEREL_INIT "-Os -DNDEBUG")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")

# Libraries and headers from the target's sysroot only; programs (the nanopb generator, qemu)
# from the host.
set(CMAKE_FIND_ROOT_PATH /usr/lib/picolibc/arm-none-eabi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
