#include "analysis/gradient.h"

#include <itkGradientMagnitudeImageFilter.h>
#include <itkImage.h>

#include <stdexcept>
#include <string>

namespace radnode::analysis {

namespace {

using InputImage = itk::Image<double, 3>;
using OutputImage = itk::Image<float, 3>; // SimpleITK's GradientMagnitude output type

InputImage::Pointer toItk(const Image& image) {
    auto out = InputImage::New();
    InputImage::RegionType region;
    InputImage::SpacingType spacing;
    InputImage::PointType origin;
    InputImage::DirectionType direction;
    for (unsigned a = 0; a < 3; ++a) {
        region.SetSize(a, image.geometry.size[a]);
        spacing[a] = image.geometry.spacing[a];
        origin[a] = image.geometry.origin[a];
        for (unsigned b = 0; b < 3; ++b) direction(a, b) = image.geometry.direction[a * 3 + b];
    }
    out->SetRegions(region);
    out->SetSpacing(spacing);
    out->SetOrigin(origin);
    out->SetDirection(direction);
    out->Allocate();
    std::copy(image.voxels.begin(), image.voxels.end(), out->GetBufferPointer());
    return out;
}

} // namespace

Image gradientMagnitudeImage(const Image& image, bool useSpacing) {
    auto filter = itk::GradientMagnitudeImageFilter<InputImage, OutputImage>::New();
    filter->SetInput(toItk(image));
    filter->SetUseImageSpacing(useSpacing);
    try {
        filter->Update();
    } catch (const itk::ExceptionObject& error) {
        throw std::runtime_error(std::string("gradient magnitude failed: ") + error.GetDescription());
    }
    Image out;
    out.geometry = image.geometry;
    out.storedType = StoredType::Float32;
    const float* values = filter->GetOutput()->GetBufferPointer();
    out.voxels.assign(values, values + image.geometry.voxelCount());
    return out;
}

} // namespace radnode::analysis
