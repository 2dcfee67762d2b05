#include "analysis/image_io_itk.h"

#include "analysis/itk_bridge.h"

#include <itkImage.h>
#include <itkImageFileReader.h>
#include <itkImageFileWriter.h>
#include <itkImageIOFactory.h>
#include <itkMetaImageIOFactory.h>
#include <itkNiftiImageIOFactory.h>
#include <itkNrrdImageIOFactory.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

namespace radnode::analysis {

namespace {

using ItkImage = itk::Image<double, 3>;
using ItkLabels = itk::Image<int, 3>;

// We link ITK's IO modules explicitly instead of through ITK_USE_FILE's generated
// registration headers, so the factories are registered by hand, once.
void registerImageIO() {
    static std::once_flag once;
    std::call_once(once, [] {
        itk::NrrdImageIOFactory::RegisterOneFactory();
        itk::NiftiImageIOFactory::RegisterOneFactory();
        itk::MetaImageIOFactory::RegisterOneFactory();
    });
}

template <typename ItkType>
typename ItkType::Pointer readItk(const std::filesystem::path& path) {
    registerImageIO();
    if (!std::filesystem::exists(path)) throw std::runtime_error("image file not found: " + path.string());
    auto reader = itk::ImageFileReader<ItkType>::New();
    reader->SetFileName(path.string());
    try {
        reader->Update();
    } catch (const itk::ExceptionObject& error) {
        throw std::runtime_error("cannot read image " + path.string() + ": " + error.GetDescription());
    }
    return reader->GetOutput();
}

template <typename ItkType>
void writeItk(const typename ItkType::Pointer& image, const std::filesystem::path& path) {
    registerImageIO();
    auto writer = itk::ImageFileWriter<ItkType>::New();
    writer->SetFileName(path.string());
    writer->SetInput(image);
    try {
        writer->Update();
    } catch (const itk::ExceptionObject& error) {
        throw std::runtime_error("cannot write image " + path.string() + ": " + error.GetDescription());
    }
}

} // namespace

namespace {
// The file's own pixel type: what PyRadiomics (SimpleITK) would keep through resampling.
StoredType storedTypeOf(const itk::ImageIOBase& io) {
    using Component = itk::IOComponentEnum;
    switch (io.GetComponentType()) {
    case Component::CHAR: return StoredType::Int8;
    case Component::UCHAR: return StoredType::UInt8;
    case Component::SHORT: return StoredType::Int16;
    case Component::USHORT: return StoredType::UInt16;
    case Component::INT: return StoredType::Int32;
    case Component::UINT: return StoredType::UInt32;
    case Component::FLOAT: return StoredType::Float32;
    default: return StoredType::Float64;
    }
}
} // namespace

Image readImage(const std::filesystem::path& path) {
    registerImageIO();
    auto io = itk::ImageIOFactory::CreateImageIO(path.string().c_str(), itk::ImageIOFactory::IOFileModeEnum::ReadMode);
    const auto itkImage = readItk<ItkImage>(path);
    Image image{itkbridge::geometryOf(*itkImage), {}};
    if (io) {
        io->SetFileName(path.string());
        io->ReadImageInformation();
        image.storedType = storedTypeOf(*io);
    }
    const double* first = itkImage->GetBufferPointer();
    image.voxels.assign(first, first + image.geometry.voxelCount());
    return image;
}

Mask readMask(const std::filesystem::path& path, int label) {
    const auto itkLabels = readItk<ItkLabels>(path);
    Mask mask{itkbridge::geometryOf(*itkLabels), {}};
    const int* first = itkLabels->GetBufferPointer();
    const std::size_t count = mask.geometry.voxelCount();
    mask.voxels.resize(count);
    std::transform(first, first + count, mask.voxels.begin(), [label](int v) { return v == label ? 1 : 0; });
    if (mask.count() == 0) {
        throw std::runtime_error("mask " + path.string() + " has no voxel with label " + std::to_string(label));
    }
    return mask;
}

void writeImage(const Image& image, const std::filesystem::path& path) {
    auto itkImage = itkbridge::toItk<ItkImage>(image);
    writeItk<ItkImage>(itkImage, path);
}

void writeMask(const Mask& mask, const std::filesystem::path& path) {
    using ItkMask = itk::Image<unsigned char, 3>;
    auto itkMask = itkbridge::toItk<ItkMask>(mask.geometry, &mask.voxels);
    writeItk<ItkMask>(itkMask, path);
}

} // namespace radnode::analysis
