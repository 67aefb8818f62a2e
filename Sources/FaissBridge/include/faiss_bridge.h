// Placeholder; the plain-C FAISS API is written in faiss_bridge.cpp.
#pragma once
