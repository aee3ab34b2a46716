# Runs `itdd sim tones --out OUT` and checks what it printed and wrote.
# -DITDD=<itdd> -DOUT=<dir> [-DEXPECT_FAIL=1: OUT cannot be written; expect exit 2 and an error]
if(EXPECT_FAIL)
  execute_process(COMMAND ${ITDD} sim tones --out ${OUT} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "expected exit status 2, got ${rc}\n${out}${err}")
  endif()
  if(NOT err MATCHES "error: .*not-a-dir.*: cannot create the directory")
    message(FATAL_ERROR "expected a clear error on stderr, got: ${err}")
  endif()
  return()
endif()

file(REMOVE_RECURSE ${OUT})
execute_process(COMMAND ${ITDD} sim tones --out ${OUT} RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "itdd sim tones failed (${rc}): ${err}")
endif()
foreach(expect
    "wrote [^\n]*critical.wav: 3.0 s, 6 segments \\(880 Hz 500 ms, 660 Hz 500 ms,"
    "wrote [^\n]*non-critical.wav: 1.0 s, 1 segment \\(1000 Hz 1000 ms\\); repeats every hour"
    "wrote [^\n]*alarm-test.wav: 4.5 s, 8 segments \\([^\n]*pause 500 ms, 1000 Hz 1000 ms\\)")
  if(NOT out MATCHES "${expect}")
    message(FATAL_ERROR "output does not match '${expect}':\n${out}")
  endif()
endforeach()
foreach(name critical non-critical alarm-test)
  if(NOT EXISTS ${OUT}/${name}.wav)
    message(FATAL_ERROR "${OUT}/${name}.wav was not written")
  endif()
  file(READ ${OUT}/${name}.wav head LIMIT 12 HEX)
  if(NOT head MATCHES "^52494646........57415645$")  # "RIFF" size "WAVE"
    message(FATAL_ERROR "${name}.wav does not start like a WAV file")
  endif()
endforeach()
