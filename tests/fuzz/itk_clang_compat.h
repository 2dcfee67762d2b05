// Force-included (fuzz build only) into the ITK translation units so that clang can compile them.
// Debian's ITK 5.2 ships an itk_compiler_detection.h generated for GCC alone: under clang it stops
// at "#error Unsupported compiler". In C++17 every macro that header provides is a keyword or a
// standard attribute, so this file defines them the way the header does for a C++17 GCC, and
// claims its include guard so that it is skipped.
#pragma once

#if !defined(__clang__) || __cplusplus < 201703L
#error "itk_clang_compat.h is only for the clang fuzz build in C++17 (tests/fuzz/CMakeLists.txt)"
#endif

#define ITK_COMPILER_DETECTION_H

#define ITK_COMPILER_IS_GNU 0
#define ITK_COMPILER_IS_Clang 1
#define ITK_COMPILER_IS_AppleClang 0
#define ITK_COMPILER_IS_MSVC 0

// The feature tests ITK's own headers read (itkMacro.h, itkStaticAssert.h).
#define ITK_COMPILER_CXX_STATIC_ASSERT 1
#define ITK_COMPILER_CXX_NOEXCEPT 1
#define ITK_COMPILER_CXX_CONSTEXPR 1
#define ITK_COMPILER_CXX_NULLPTR 1
#define ITK_COMPILER_CXX_OVERRIDE 1
#define ITK_COMPILER_CXX_FINAL 1
#define ITK_COMPILER_CXX_ALIGNAS 1
#define ITK_COMPILER_CXX_ALIGNOF 1
#define ITK_COMPILER_CXX_ATTRIBUTE_DEPRECATED 1
#define ITK_COMPILER_CXX_DELETED_FUNCTIONS 1
#define ITK_COMPILER_CXX_EXTERN_TEMPLATES 1
#define ITK_COMPILER_CXX_THREAD_LOCAL 1

// The macros the generated header defines from those features.
#define ITK_ALIGNAS(X) alignas(X)
#define ITK_ALIGNOF(X) alignof(X)
#define ITK_DEPRECATED [[deprecated]]
#define ITK_DEPRECATED_MSG(MSG) [[deprecated(MSG)]]
#define ITK_CONSTEXPR constexpr
#define ITK_DELETED_FUNCTION = delete
#define ITK_EXTERN_TEMPLATE extern
#define ITK_FINAL final
#define ITK_NOEXCEPT noexcept
#define ITK_NOEXCEPT_EXPR(X) noexcept(X)
#define ITK_NULLPTR nullptr
#define ITK_OVERRIDE override
#define ITK_STATIC_ASSERT(X) static_assert(X, #X)
#define ITK_STATIC_ASSERT_MSG(X, MSG) static_assert(X, MSG)
#define ITK_THREAD_LOCAL thread_local
