# nanopb writes, for a schema generated under another package name, macros from the canonical
# names to the new ones (#define itdd_Request itdd_implant_Request): in a file that includes
# both views they would turn the host's types into the implant's. The implant's view is used by
# its own names only, so they are taken out. cmake -DHEADER=itdd_implant.pb.h -P this-file
file(READ ${HEADER} text)
string(REPLACE "/* Mapping from canonical names (mangle_names or overridden package name) */\n" ""
       text "${text}")
string(REGEX REPLACE "#define itdd_[A-Z][A-Za-z0-9_]* itdd_implant_[A-Za-z0-9_]+\n" "" text "${text}")
if(text MATCHES "#define itdd_[A-Z][A-Za-z0-9_]* itdd_implant_")
  message(FATAL_ERROR "${HEADER}: a mapping from the canonical names is left")
endif()
file(WRITE ${HEADER} "${text}")
