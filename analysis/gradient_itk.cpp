#include "analysis/gradient.h"

#include <itkGradientMagnitudeImageFilter.h>
#include "analysis/itk_bridge.h"

#include <itkImage.h>

#include <stdexcept>
#include <string>

namespace radnode::analysis {

namespace {

using InputImage = itk::Image<double, 3>;
using OutputImage = itk::Image<float, 3>; // SimpleITK's GradientMagnitude output type


} // namespace

Image gradientMagnitudeImage(const Image& image, bool useSpacing) {
    auto filter = itk::GradientMagnitudeImageFilter<InputImage, OutputImage>::New();
    filter->SetInput(itkbridge::toItk<InputImage>(image));
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
