#include "analysis/image_io_itk.h"

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
Geometry geometryOf(const ItkType& image) {
    Geometry geometry;
    const auto region = image.GetLargestPossibleRegion();
    for (unsigned a = 0; a < 3; ++a) {
        geometry.size[a] = region.GetSize()[a];
        geometry.spacing[a] = image.GetSpacing()[a];
        geometry.origin[a] = image.GetOrigin()[a];
        for (unsigned b = 0; b < 3; ++b) geometry.direction[a * 3 + b] = image.GetDirection()[a][b];
    }
    return geometry;
}

template <typename ItkType>
typename ItkType::Pointer toItk(const Geometry& geometry) {
    auto image = ItkType::New();
    typename ItkType::RegionType region;
    typename ItkType::SpacingType spacing;
    typename ItkType::PointType origin;
    typename ItkType::DirectionType direction;
    for (unsigned a = 0; a < 3; ++a) {
        region.SetSize(a, geometry.size[a]);
        spacing[a] = geometry.spacing[a];
        origin[a] = geometry.origin[a];
        for (unsigned b = 0; b < 3; ++b) direction[a][b] = geometry.direction[a * 3 + b];
    }
    image->SetRegions(region);
    image->SetSpacing(spacing);
    image->SetOrigin(origin);
    image->SetDirection(direction);
    image->Allocate();
    return image;
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
    Image image{geometryOf(*itkImage), {}};
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
    Mask mask{geometryOf(*itkLabels), {}};
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
    auto itkImage = toItk<ItkImage>(image.geometry);
    std::copy(image.voxels.begin(), image.voxels.end(), itkImage->GetBufferPointer());
    writeItk<ItkImage>(itkImage, path);
}

void writeMask(const Mask& mask, const std::filesystem::path& path) {
    using ItkMask = itk::Image<unsigned char, 3>;
    auto itkMask = toItk<ItkMask>(mask.geometry);
    std::copy(mask.voxels.begin(), mask.voxels.end(), itkMask->GetBufferPointer());
    writeItk<ItkMask>(itkMask, path);
}

} // namespace radnode::analysis
