# The small campaign by `itdd sim fleet` and by `itdd-fleet-mpi` under 1 and 2 ranks: every file
# written (summary.json, summary.csv, pumps.csv, replays/) must be the same, byte for byte.
# -DITDD=... -DFLEET_MPI=... (empty: no MPI build) -DMPIEXEC=... -DCAMPAIGN=... -DOUT=...
file(REMOVE_RECURSE ${OUT})
set(dirs one-process)
execute_process(COMMAND ${ITDD} sim fleet ${CAMPAIGN} --out ${OUT}/one-process --quiet
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "itdd sim fleet: exit ${rc}\n${err}")
endif()
foreach(ranks 1 2)
  # As root in CI's container: OpenMPI refuses root unless told twice.
  set(ENV{OMPI_ALLOW_RUN_AS_ROOT} 1)
  set(ENV{OMPI_ALLOW_RUN_AS_ROOT_CONFIRM} 1)
  # In a container without ptrace rights, shared memory's single-copy path fails; plain copies
  # work everywhere (and the messages here are small).
  set(ENV{OMPI_MCA_btl_vader_single_copy_mechanism} none)
  execute_process(COMMAND ${MPIEXEC} --oversubscribe --allow-run-as-root -np ${ranks}
                          ${FLEET_MPI} ${CAMPAIGN} --out ${OUT}/ranks-${ranks}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mpirun -np ${ranks}: exit ${rc}\n${out}\n${err}")
  endif()
  if(NOT err MATCHES "fleet: 12 of 12 pumps done, [0-9.]+ pump-years/s")
    message(FATAL_ERROR "mpirun -np ${ranks}: no progress on stderr:\n${err}")
  endif()
  list(APPEND dirs ranks-${ranks})
endforeach()
file(GLOB_RECURSE files RELATIVE ${OUT}/one-process ${OUT}/one-process/*)
list(LENGTH files n)
if(n LESS 4)
  message(FATAL_ERROR "expected summary.json, summary.csv, pumps.csv and replays, got: ${files}")
endif()
foreach(d ${dirs})
  file(GLOB_RECURSE other RELATIVE ${OUT}/${d} ${OUT}/${d}/*)
  if(NOT other STREQUAL files)
    message(FATAL_ERROR "${d} wrote other files: ${other}\nagainst: ${files}")
  endif()
  foreach(f ${files})
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/one-process/${f} ${OUT}/${d}/${f}
                    RESULT_VARIABLE differ)
    if(differ)
      message(FATAL_ERROR "${d}/${f} differs from one-process/${f}")
    endif()
  endforeach()
endforeach()
message(STATUS "ok: ${n} files the same from one process, 1 rank and 2 ranks")
